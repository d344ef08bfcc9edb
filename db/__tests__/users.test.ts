import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { addUser } from '../../bin/commands/user.ts';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** Acts as `role` with the claims the API would set for `userId`. */
function asUser<T>(role: string, userId: string | null, work: (c: pg.PoolClient) => Promise<T>) {
  return db.asRole(role, async (c) => {
    await c.query("select set_config('jwt.claims.user_id', $1, true), set_config('jwt.claims.role', $2, true)", [userId ?? '', role]);
    return work(c);
  });
}

describe('users, login and dashboards', () => {
  it('`siem user add` creates or resets a user; login checks the bcrypt hash and returns claims', async () => {
    const client = await db.pool.connect();
    let id: string;
    try {
      const first = await addUser(client, ' Alice@Example.org ', { role: 'analyst', password: 'first password' });
      expect(first.created).toBe(true);
      const again = await addUser(client, 'alice@example.org', { role: 'admin', password: 'second password' });
      expect(again).toMatchObject({ id: first.id, created: false });
      id = first.id;
      await expect(addUser(client, 'bob@example.org', { role: 'analyst', password: 'short' })).rejects.toThrow(/at least 8 characters/);
      await expect(addUser(client, 'carol@example.org', { role: 'root', password: 'long enough' })).rejects.toThrow(/analyst or admin/);
    } finally {
      client.release();
    }
    const token = await db.asRole('siem_anonymous', async (c) => (await c.query("select (public.login('ALICE@example.org', 'second password')).*")).rows[0]);
    expect(token).toMatchObject({ role: 'siem_admin', user_id: id, email: 'alice@example.org', aud: 'pgsiem', iss: 'pgsiem' });
    const wrong = await db.asRole('siem_anonymous', async (c) => (await c.query("select public.login('alice@example.org', 'first password') as t")).rows[0].t);
    expect(wrong).toBeNull();
    await expect(db.asRole('siem_anonymous', (c) => c.query('select * from public.users'))).rejects.toThrow(/permission denied/);
  });

  it('dashboards: owner sets itself, others see only shared ones, only the owner changes them', async () => {
    const { rows } = await db.pool.query("insert into public.users (email) values ('d1@example.org'), ('d2@example.org') returning id");
    const [u1, u2] = rows.map((r) => r.id as string);
    await asUser('siem_analyst', u1!, async (c) => {
      await c.query("insert into public.dashboards (title, layout) values ('private', '{\"w\": 1}'), ('public', '{}')");
      await c.query("update public.dashboards set shared = true where title = 'public'");
      await c.query('commit');
    });
    await asUser('siem_analyst', u1!, (c) => expect(c.query("insert into public.dashboards (title, owner_id) values ('forged', $1)", [u2])).rejects.toThrow(/permission denied/));
    const seenBy2 = await asUser('siem_analyst', u2!, async (c) => (await c.query('select title from public.dashboards order by title')).rows.map((r) => r.title));
    expect(seenBy2).toEqual(['public']);
    const changed = await asUser('siem_admin', u2!, async (c) => (await c.query("update public.dashboards set title = 'x'")).rowCount);
    expect(changed).toBe(0);
    const { rows: after } = await db.pool.query('select title, owner_id from public.dashboards order by title');
    expect(after).toEqual([{ title: 'private', owner_id: u1 }, { title: 'public', owner_id: u1 }]);
  });
});
