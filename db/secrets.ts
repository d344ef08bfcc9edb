import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Generated passwords of the login roles, kept in the data directory (mode 0600), never in the repo. */
export interface Secrets {
  superuserPassword: string;
  ownerPassword: string;
  authenticatorPassword: string;
  agentPassword: string;
  /** HS256 secret of the API's JWTs (unless SIEM_JWT_SECRET is set). */
  jwtSecret: string;
}

const secretNames: (keyof Secrets)[] = ['superuserPassword', 'ownerPassword', 'authenticatorPassword', 'agentPassword', 'jwtSecret'];

export function secretsPath(dataDir: string): string {
  return path.join(dataDir, 'secrets.json');
}

/** Reads the secrets file, generating any missing password and saving the result. */
export function loadOrCreateSecrets(dataDir: string): Secrets {
  const file = secretsPath(dataDir);
  const stored: Partial<Secrets> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const secrets = { ...stored } as Secrets;
  let changed = false;
  for (const name of secretNames) {
    if (typeof secrets[name] !== 'string' || secrets[name].length === 0) {
      secrets[name] = randomBytes(24).toString('base64url');
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  }
  return secrets;
}
