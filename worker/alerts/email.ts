export interface AlertForEmail {
  id: string;
  entity: string | null;
  severity: string;
  summary: string | null;
  event_count: number;
  first_event_at: Date;
  last_event_at: Date;
}

export interface RuleForEmail {
  name: string;
  title: string;
  severity: string;
  tags: string[];
}

/** The dashboard search showing exactly the alert's events (the alert id selects them, the range frames the view). */
export function searchLink(publicUrl: string, alert: AlertForEmail): string {
  const url = new URL('/search', publicUrl);
  url.searchParams.set('alert', alert.id);
  url.searchParams.set('start', alert.first_event_at.toISOString());
  url.searchParams.set('end', new Date(alert.last_event_at.getTime() + 1).toISOString());
  return url.toString();
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The seed's content (rule, count, summary) plus a link per alert to the search. */
export function renderAlertEmail(rule: RuleForEmail, alerts: AlertForEmail[], publicUrl: string) {
  const events = alerts.reduce((sum, alert) => sum + alert.event_count, 0);
  const subject = `[pgsiem] ${rule.severity.toUpperCase()} ${rule.title}: ${alerts.length} alert${alerts.length === 1 ? '' : 's'}`;
  const lines = alerts.map((alert) => ({
    alert,
    label: `${alert.entity ?? '(no entity)'}: ${alert.event_count} event${alert.event_count === 1 ? '' : 's'} ${alert.first_event_at.toISOString()} .. ${alert.last_event_at.toISOString()}`,
    link: searchLink(publicUrl, alert),
  }));
  const text = [
    `Rule: ${rule.title} (${rule.name})`,
    `Severity: ${rule.severity}${rule.tags.length ? `\nTags: ${rule.tags.join(', ')}` : ''}`,
    `Alerts: ${alerts.length}, events: ${events}`,
    '',
    ...lines.flatMap(({ alert, label, link }) => [`- ${label}`, ...(alert.summary ? [`  ${alert.summary}`] : []), `  ${link}`]),
    '',
  ].join('\n');
  const html = `<p>Rule: <b>${escapeHtml(rule.title)}</b> (${escapeHtml(rule.name)})<br>Severity: ${escapeHtml(rule.severity)}<br>` +
    `Alerts: ${alerts.length}, events: ${events}</p><ul>` +
    lines.map(({ alert, label, link }) => `<li><a href="${escapeHtml(link)}">${escapeHtml(label)}</a>${alert.summary ? `<br>${escapeHtml(alert.summary)}` : ''}</li>`).join('') +
    '</ul>';
  return { subject, text, html };
}
