import { jsonParse } from 'postgraphile/@dataplan/json';
import type { PgResource, PgSelectArgumentSpec } from 'postgraphile/@dataplan/pg';
import { context, listen, object, lambda, type Step } from 'postgraphile/grafast';
import { extendSchema, gql } from 'postgraphile/utils';

/** NOTIFY siem_events payload (one per ingested batch, sent by the normalize trigger). */
interface BatchNotification {
  events: number;
  min_ts: string | null;
  max_ts: string | null;
  batches: string[] | null;
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
              return listen(context().get('pgSubscriber'), 'siem_events', jsonParse);
            },
            plan($n: Step<BatchNotification>, fieldArgs) {
              const codecs = tailEvents.parameters!.map((p) => p.codec);
              const fromNotification = (pick: (n: BatchNotification) => unknown) => lambda($n, (n) => (n ? pick(n) : null) ?? null);
              const $events = tailEvents.execute([
                { step: fromNotification((n) => n.min_ts), pgCodec: codecs[0] },
                { step: fromNotification((n) => n.max_ts), pgCodec: codecs[1] },
                { step: fromNotification((n) => n.batches), pgCodec: codecs[2] },
                { step: fieldArgs.getRaw('sources'), pgCodec: codecs[3] },
                { step: fieldArgs.getRaw('hosts'), pgCodec: codecs[4] },
                { step: fieldArgs.getRaw('eventTypes'), pgCodec: codecs[5] },
                { step: fieldArgs.getRaw('tags'), pgCodec: codecs[6] },
                { step: fieldArgs.getRaw('fields'), pgCodec: codecs[7] },
                { step: fieldArgs.getRaw('q'), pgCodec: codecs[8] },
              ] as PgSelectArgumentSpec[]);
              return object({ events: $events, count: lambda($events as Step<readonly unknown[]>, (rows) => rows?.length ?? 0) });
            },
          },
          alertsChanged: {
            subscribePlan() {
              return listen(context().get('pgSubscriber'), 'siem_alerts', jsonParse);
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

