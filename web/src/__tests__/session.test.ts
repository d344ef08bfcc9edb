// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeJwt, endSession, getSession, isAuthError, sessionFromToken, startSession, takeEndReason } from '../auth/session.ts';

function jwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(value)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`;
}

afterEach(() => {
  endSession();
  vi.useRealTimers();
});

describe('session', () => {
  it('reads role, email, user id and expiry from the JWT, non-ASCII included', () => {
    const token = jwt({ role: 'siem_admin', email: 'zoë@example.org', user_id: 'u-1', exp: 2_000_000_000 });
    expect(decodeJwt(token)?.email).toBe('zoë@example.org');
    expect(sessionFromToken(token)).toEqual({ token, expiresAt: 2_000_000_000_000, email: 'zoë@example.org', role: 'siem_admin', userId: 'u-1' });
    expect(sessionFromToken('not-a-jwt')).toBeNull();
  });

  it('keeps the session across reloads until it expires', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    startSession({ token: 't', expiresAt: 1_060_000, email: 'a@b', role: 'siem_analyst', userId: null });
    expect(JSON.parse(localStorage.getItem('pgsiem.session')!).token).toBe('t');
    expect(getSession()?.email).toBe('a@b');
    vi.setSystemTime(1_060_001);
    expect(getSession()).toBeNull();
  });

  it('says once why the session ended', () => {
    startSession({ token: 't', expiresAt: Date.now() + 60_000, email: 'a@b', role: 'siem_analyst', userId: null });
    endSession('Your session expired.');
    expect(localStorage.getItem('pgsiem.session')).toBeNull();
    expect(takeEndReason()).toBe('Your session expired.');
    expect(takeEndReason()).toBeNull();
  });

  it('recognises answers that mean the token is no longer accepted', () => {
    expect(isAuthError('anything', 401)).toBe(true);
    expect(isAuthError('[GraphQL] jwt expired')).toBe(true);
    expect(isAuthError('permission denied for table events')).toBe(false);
  });
});
