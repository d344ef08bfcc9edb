import { jsonParse } from 'postgraphile/@dataplan/json';
import type { PgResource, PgSelectArgumentSpec } from 'postgraphile/@dataplan/pg';
import { context, list, listen, object, lambda, SafeError, type Step } from 'postgraphile/grafast';
import type { Identity } from '../auth.ts';
import { extendSchema, gql } from 'postgraphile/utils';

/** NOTIFY siem_events payload (one per ingested batch, sent by the normalize trigger). */
interface BatchNotification {
  events: number;
  min_ts: string | null;
  max_ts: string | null;
  batches: string[] | null;
}

/** The pubsub, for logged-in users only: anonymous may not subscribe at all. */
function subscriberFor$() {
  return lambda(list([context().get('pgSubscriber'), context().get('identity')]), ([subscriber, identity]) => {
    if (!identity || (identity as unknown as Identity).role === 'siem_anonymous') throw new SafeError('permission denied: log in to subscribe');
    return subscriber;
  });
}

/**
 * Live tail: `eventsAdded` re-reads, for each NOTIFY siem_events, the events of that batch that
 * match the subscriber's filters (public.tail_events, as the subscriber's role, so RLS applies);
 * `alertsChanged` relays NOTIFY siem_alerts.
 */
export const LiveTailPlugin = extendSchema((build) => {
  const tailEvents = build.input.pgRegistry.pgResources.tail_events as PgResource | undefined;
  if (!tailEvents) throw new Error('public.tail_events is missing: run the migrations');
  return {
    typeDefs: gql`
      """One ingested batch's events that match a live tail's filters."""
      type EventsAddedPayload {
        """How many events of the batch matched (at most 500 are listed)."""
        count: Int!
        """The matching events, newest first."""
        events: [Event!]!
      }
      """A change of alerts, as the alerts module announced it (NOTIFY siem_alerts)."""
      type AlertsChangedPayload {
        payload: JSON
      }
      extend type Subscription {
        """New events matching the filters, one message per ingested batch (filters as in searchEvents)."""
        eventsAdded(sources: [String], hosts: [String], eventTypes: [String], tags: [String], fields: JSON, q: String): EventsAddedPayload
        """New or changed alerts."""
        alertsChanged: AlertsChangedPayload
      }
    `,
    objects: {
      Subscription: {
        plans: {
          eventsAdded: {
            subscribePlan() {
              return listen(subscriberFor$() as never, 'siem_events', jsonParse);
            },
            plan($n: Step<BatchNotification>, fieldArgs) {
              const fromNotification = (pick: (n: BatchNotification) => unknown) => lambda($n, (n) => (n ? pick(n) : null) ?? null);
              const values: Step[] = [
                fromNotification((n) => n.min_ts),
                fromNotification((n) => n.max_ts),
                fromNotification((n) => n.batches),
                fieldArgs.getRaw('sources'),
                fieldArgs.getRaw('hosts'),
                fieldArgs.getRaw('eventTypes'),
                fieldArgs.getRaw('tags'),
                fieldArgs.getRaw('fields'),
                fieldArgs.getRaw('q'),
              ];
              // Every argument by name (p_min_ts => ...), in the function's order.
              const $events = tailEvents.execute(
                tailEvents.parameters!.map((parameter, i) => ({ step: values[i]!, pgCodec: parameter.codec, name: parameter.name ?? undefined })) as PgSelectArgumentSpec[],
              );
              // The select's own value is a page ({ items, hasNextPage, ... }); count its items.
              const $count = lambda($events as Step<{ items?: readonly unknown[] } | null>, (page) => page?.items?.length ?? 0);
              return object({ events: $events, count: $count });
            },
          },
          alertsChanged: {
            subscribePlan() {
              return listen(subscriberFor$() as never, 'siem_alerts', jsonParse);
            },
            plan($payload) {
              return object({ payload: $payload });
            },
          },
        },
      },
    },
  };
});

