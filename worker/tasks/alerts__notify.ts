import type { Task } from 'graphile-worker';
import { renderAlertEmail, type AlertForEmail, type RuleForEmail } from '../alerts/email.ts';
import type { Mailer, MailSettings } from '../alerts/mailer.ts';

const maxAlertsPerMail = 100;

interface NotifyPayload {
  ruleId: string | number;
}

/**
 * Emails the rule's alerts that no email covered yet, in one message (the job runs at most once per
 * rule throttle). A failed delivery is recorded and thrown, so graphile-worker retries with backoff.
 */
export function makeAlertsNotify(mailer: Mailer, settings: Pick<MailSettings, 'publicUrl' | 'to'>): Task {
  return async (payload, helpers) => {
    const { ruleId } = payload as NotifyPayload;
    const rule = await helpers.withPgClient((client) =>
      client.query<RuleForEmail>('select name, title, severity, tags from public.rules where id = $1', [ruleId]),
    );
    if (!rule.rows[0]) return;
    const pending = await helpers.withPgClient((client) =>
      client.query<AlertForEmail>(
        `select id::text, entity, severity, summary, event_count, first_event_at, last_event_at
         from public.alerts where rule_id = $1 and notified_at is null order by id limit $2`,
        [ruleId, maxAlertsPerMail],
      ),
    );
    if (pending.rows.length === 0) return;
    const ids = pending.rows.map((alert) => alert.id);
    const message = renderAlertEmail(rule.rows[0], pending.rows, settings.publicUrl);
    try {
      const sent = await mailer.send(message);
      await helpers.withPgClient(async (client) => {
        await client.query('begin');
        await client.query(`insert into public.alert_notifications (rule_id, alert_ids, recipients, status, message_id) values ($1, $2, $3, 'sent', $4)`, [
          ruleId, ids, sent.accepted, sent.messageId,
        ]);
        await client.query('update public.alerts set notified_at = now() where id = any($1)', [ids]);
        await client.query(`insert into public.alert_history (alert_id, actor, action, detail) select id, 'engine', 'notified', jsonb_build_object('message_id', $2::text) from unnest($1::bigint[]) id`, [ids, sent.messageId]);
        await client.query('commit');
      });
      helpers.logger.info(`rule ${rule.rows[0].name}: emailed ${ids.length} alert(s) to ${sent.accepted.join(', ')}`);
      // More than one mail's worth: the rest go in the next mail (a new job, since this one is running).
      if (pending.rows.length === maxAlertsPerMail) await helpers.addJob('alerts__notify', { ruleId }, { jobKey: `alerts__notify:${ruleId}`, maxAttempts: 10, priority: -10 });
    } catch (error) {
      const reason = (error as Error).message;
      await helpers.withPgClient(async (client) => {
        await client.query(`insert into public.alert_notifications (rule_id, alert_ids, recipients, status, error) values ($1, $2, $3, 'failed', $4)`, [ruleId, ids, settings.to, reason]);
        await client.query(`insert into public.alert_history (alert_id, actor, action, detail) select id, 'engine', 'notify_failed', jsonb_build_object('error', $2::text) from unnest($1::bigint[]) id`, [ids, reason]);
      });
      throw error;
    }
  };
}
