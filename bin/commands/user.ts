import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../config.ts';
import { withOwner } from './with_owner.ts';

export interface UserAddOptions {
  role: string;
  password?: string;
}

/** Creates a user (or resets an existing one's role and password); as the owner, so it works before any admin exists. */
export async function addUser(client: pg.ClientBase, email: string, { role, password }: UserAddOptions): Promise<{ id: string; password: string; created: boolean }> {
  if (role !== 'analyst' && role !== 'admin') throw new Error('--role must be analyst or admin');
  const secret = password ?? randomBytes(12).toString('base64url');
  await client.query('begin');
  try {
    const { rows } = await client.query<{ id: string; created: boolean }>(
      `insert into public.users (email, role) values (lower(trim($1)), $2)
       on conflict (email) do update set role = excluded.role, disabled = false
       returning id, (xmax = 0) as created`,
      [email, role],
    );
    const row = rows[0]!;
    await client.query('select siem_private.set_password($1, $2)', [row.id, secret]);
    await client.query('commit');
    return { id: row.id, password: secret, created: row.created };
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function userAddCommand(config: Config, email: string, options: { role: string; passwordStdin?: boolean }): Promise<void> {
  const password = options.passwordStdin ? await readStdin() : undefined;
  const result = await withOwner(config, (client) => addUser(client, email, { role: options.role, password }));
  console.log(`${result.created ? 'created' : 'updated'} ${email.toLowerCase().trim()} (${options.role}, id ${result.id})`);
  if (!options.passwordStdin) console.log(`password: ${result.password}`);
}
