import { useEffect } from 'react';
import { gql, useMutation } from 'urql';
import { sessionFromToken, startSession, type Session } from './session.ts';

const RenewMutation = gql`
  mutation RenewToken {
    renewToken(input: {}) {
      result
    }
  }
`;

/** Renews the JWT two minutes before it expires, while the page is open; if that fails the session ends at expiry. */
export function useRenewal(session: Session | null) {
  const [, renew] = useMutation<{ renewToken: { result: string | null } | null }>(RenewMutation);
  useEffect(() => {
    if (!session) return;
    const wait = session.expiresAt - Date.now() - 120_000;
    if (wait <= 0) return;
    const timer = window.setTimeout(async () => {
      const result = await renew({});
      const token = result.data?.renewToken?.result;
      const next = token ? sessionFromToken(token, { email: session.email }) : null;
      if (next) startSession(next);
    }, Math.min(wait, 2 ** 31 - 1));
    return () => window.clearTimeout(timer);
  }, [session, renew]);
}
