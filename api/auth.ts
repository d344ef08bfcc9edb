import jwt from 'jsonwebtoken';
import type pg from 'pg';

/** Who a request runs as: a PostgreSQL role plus the claims RLS policies read. */
export interface Identity {
  role: 'siem_anonymous' | 'siem_analyst' | 'siem_admin';
  userId: string | null;
  email: string | null;
}

// grafast declares its Context type in a global namespace; this is how to extend it.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Grafast {
    interface Context {
      /** Who the request runs as (set by the context function in preset.ts). */
      identity?: Identity;
    }
  }
}

export const anonymous: Identity = { role: 'siem_anonymous', userId: null, email: null };

export const jwtAudience = 'pgsiem';

/** A refused credential: the HTTP layers answer 401 with this message. */
export class AuthError extends Error {
  readonly statusCode = 401;
}

const apiRoles = new Set(['siem_analyst', 'siem_admin']);

export interface Authenticator {
  /** The identity behind an `Authorization` header value (missing: anonymous). */
  identify(authorization: string | string[] | undefined): Promise<Identity>;
}

/**
 * Bearer JWTs (from the login mutation) are verified here with the shared secret; bearer API
 * tokens (`siem_…`) are looked up by the database on every request, so revoking one takes effect
 * at once.
 */
export function makeAuthenticator({ pool, jwtSecret }: { pool: pg.Pool; jwtSecret: string }): Authenticator {
  return {
    async identify(authorization) {
      const header = Array.isArray(authorization) ? authorization[0] : authorization;
      if (!header) return anonymous;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new AuthError('the Authorization header must be "Bearer <token>"');
      const token = match[1]!;
      if (token.startsWith('siem_')) {
        const { rows } = await pool.query<{ role: string; user_id: string; email: string }>(
          'select role, user_id, email from public.authenticate_api_token($1)',
          [token],
        );
        const row = rows[0];
        if (!row || !apiRoles.has(row.role)) throw new AuthError('invalid, expired or revoked API token');
        return { role: row.role as Identity['role'], userId: row.user_id, email: row.email };
      }
      let claims: jwt.JwtPayload;
      try {
        const verified = jwt.verify(token, jwtSecret, { algorithms: ['HS256'], audience: jwtAudience, issuer: jwtAudience });
        if (typeof verified === 'string') throw new Error('not an object');
        claims = verified;
      } catch (error) {
        throw new AuthError(error instanceof jwt.TokenExpiredError ? 'the token has expired: log in again' : 'invalid token');
      }
      if (typeof claims.role !== 'string' || !apiRoles.has(claims.role) || typeof claims.user_id !== 'string') {
        throw new AuthError('invalid token');
      }
      return { role: claims.role as Identity['role'], userId: claims.user_id, email: typeof claims.email === 'string' ? claims.email : null };
    },
  };
}

export interface Limits {
  /** Statement timeout per role, in milliseconds. */
  timeouts: Record<Identity['role'], number>;
  /** Lifetime of a JWT from login, in seconds. */
  jwtTtlSeconds: number;
}

/** The per-request settings PostgreSQL sees (`set local` for each key). */
export function pgSettingsFor(identity: Identity, limits: Limits): Record<string, string> {
  return {
    role: identity.role,
    statement_timeout: String(limits.timeouts[identity.role]),
    'jwt.claims.role': identity.role,
    'jwt.claims.user_id': identity.userId ?? '',
    'jwt.claims.email': identity.email ?? '',
    'siem.jwt_ttl': String(limits.jwtTtlSeconds),
  };
}
