import { useSyncExternalStore } from 'react';

/** The logged-in user as the dashboard keeps it: the JWT from the login mutation and what it says. */
export interface Session {
  token: string;
  /** Milliseconds since the epoch when the token stops being accepted. */
  expiresAt: number;
  email: string;
  role: string;
  /** `user_id` claim: dashboards compare it with their `ownerId`. */
  userId: string | null;
}

const storageKey = 'pgsiem.session';
const changeEvent = 'siem:session';
/** Why the user was sent to the login page, shown there once. */
let endReason: string | null = null;

/** The claims of a JWT, without verifying it (the API does that). */
export function decodeJwt(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const bytes = Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function sessionFromToken(token: string, fallback: { email?: string; expiresAt?: string | null } = {}): Session | null {
  const claims = decodeJwt(token);
  const exp = typeof claims?.exp === 'number' ? claims.exp * 1000 : fallback.expiresAt ? new Date(fallback.expiresAt).getTime() : NaN;
  if (!Number.isFinite(exp)) return null;
  const role = typeof claims?.role === 'string' ? claims.role : 'siem_analyst';
  const email = typeof claims?.email === 'string' ? claims.email : (fallback.email ?? '');
  const userId = typeof claims?.user_id === 'string' ? claims.user_id : null;
  return { token, expiresAt: exp, email, role, userId };
}

let cached: Session | null | undefined;

function read(): Session | null {
  if (cached !== undefined) return cached;
  try {
    const value = JSON.parse(window.localStorage.getItem(storageKey) ?? 'null') as Session | null;
    cached = value && typeof value.token === 'string' && typeof value.expiresAt === 'number' ? value : null;
  } catch {
    cached = null;
  }
  return cached;
}

/** The current session, or null when there is none or it has expired. */
export function getSession(now = Date.now()): Session | null {
  const session = read();
  return session && session.expiresAt > now ? session : null;
}

export function startSession(session: Session) {
  cached = session;
  endReason = null;
  window.localStorage.setItem(storageKey, JSON.stringify(session));
  window.dispatchEvent(new Event(changeEvent));
}

/** Ends the session; `reason` is shown on the login page (e.g. that it expired). */
export function endSession(reason: string | null = null) {
  if (read() === null && reason === null) return;
  cached = null;
  endReason = reason;
  window.localStorage.removeItem(storageKey);
  window.dispatchEvent(new Event(changeEvent));
}

export function takeEndReason(): string | null {
  const reason = endReason;
  endReason = null;
  return reason;
}

export function isAdmin(session: Session | null): boolean {
  return session?.role === 'siem_admin';
}

export function useSession(): Session | null {
  return useSyncExternalStore(
    (onChange) => {
      const onStorage = (event: StorageEvent) => {
        if (event.key === storageKey) {
          cached = undefined; // another tab logged in or out
          onChange();
        }
      };
      window.addEventListener(changeEvent, onChange);
      window.addEventListener('storage', onStorage);
      // Re-check at expiry, so an idle page shows the login form on time.
      const session = getSession();
      const timer = session ? window.setTimeout(() => endSession('Your session expired. Log in again to continue.'), Math.min(session.expiresAt - Date.now(), 2 ** 31 - 1)) : undefined;
      return () => {
        window.removeEventListener(changeEvent, onChange);
        window.removeEventListener('storage', onStorage);
        window.clearTimeout(timer);
      };
    },
    () => getSession(),
    () => null,
  );
}

/** Whether an API error means the token is no longer accepted. */
export function isAuthError(message: string, status?: number): boolean {
  return status === 401 || /jwt expired|invalid (jwt|token)|not authenticated|unauthenticated|token.*(expired|revoked)/i.test(message);
}
