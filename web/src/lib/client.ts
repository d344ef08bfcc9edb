import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from 'urql';
import { endSession, getSession, isAuthError } from '../auth/session.ts';

let ws: WsClient | null = null;

/** The websocket for subscriptions (live tail, alert updates), opened on first use with the session's token. */
function wsClient(): WsClient {
  if (!ws) {
    const url = new URL('/graphql', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = createWsClient({
      url: url.toString(),
      lazy: true,
      retryAttempts: 5,
      connectionParams: () => {
        const token = getSession()?.token;
        return token ? { authorization: `Bearer ${token}` } : {};
      },
    });
  }
  return ws;
}

/** Closes the websocket, so the next subscription connects with the new session's token. */
export function resetSubscriptions() {
  ws?.dispose();
  ws = null;
}

/**
 * The one urql client. Every request carries the session's JWT; an answer that says the token is no
 * longer accepted ends the session, and the login page says why and returns to the same URL after.
 */
export function makeClient(): Client {
  return new Client({
    url: '/graphql',
    // POST: the API does not serve GraphQL over GET.
    preferGetMethod: false,
    fetchOptions: (): RequestInit => {
      const token = getSession()?.token;
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      return { headers };
    },
    exchanges: [
      mapExchange({
        onError(error) {
          const status = (error.response as Response | undefined)?.status;
          if (getSession() && isAuthError(error.message, status)) {
            endSession('Your session expired. Log in again to continue.');
          }
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = wsClient().subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}
