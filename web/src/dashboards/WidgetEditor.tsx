import { useState } from 'react';
import { groupFields, kindsFor, type Metric, type WidgetDef, type WidgetKind } from './layout.ts';
import { RangeOptions } from '../ui/RangeOptions.tsx';

const metricLabels: Record<Metric, string> = {
  count_over_time: 'Event count over time',
  top_values: 'Top values of a field',
  events: 'Latest events',
};
const topFields = ['host', 'source', 'event_type', 'username', 'src_ip', 'dst_ip', 'process', 'http_status', 'url_path', 'outcome', 'action', 'domain', 'event_code'];

export type WidgetDraft = Omit<WidgetDef, 'id'>;

export const newDraft: WidgetDraft = { title: 'Events over time', kind: 'line', metric: 'count_over_time', w: 6, h: 2 };

/** Form for one widget's query and look: what to count, how to draw it, over which range. */
export function WidgetEditor({ initial, onSave, onCancel, saveLabel }: { initial: WidgetDraft; onSave: (draft: WidgetDraft) => void; onCancel: () => void; saveLabel: string }) {
  const [draft, setDraft] = useState<WidgetDraft>(initial);
  const set = (patch: Partial<WidgetDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const kinds = kindsFor[draft.metric];
  return (
    <form
      className="widget-editor"
      aria-label="Widget"
      onSubmit={(event) => {
        event.preventDefault();
        onSave(draft);
      }}
      onKeyDown={(event) => event.key === 'Escape' && onCancel()}
    >
      <label>
        Title
        <input value={draft.title} onChange={(e) => set({ title: e.target.value })} required data-testid="widget-title" />
      </label>
      <label>
        Query
        <select
          value={draft.metric}
          data-testid="widget-metric"
          onChange={(e) => {
            const metric = e.target.value as Metric;
            set({ metric, kind: kindsFor[metric].includes(draft.kind) ? draft.kind : kindsFor[metric][0]!, field: metric === 'top_values' ? (draft.field ?? 'host') : metric === 'count_over_time' ? undefined : draft.field });
          }}
        >
          {(Object.keys(metricLabels) as Metric[]).map((metric) => (
            <option key={metric} value={metric}>
              {metricLabels[metric]}
            </option>
          ))}
        </select>
      </label>
      {draft.metric === 'top_values' && (
        <label>
          Field
          <select value={draft.field ?? 'host'} onChange={(e) => set({ field: e.target.value })} data-testid="widget-field">
            {topFields.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
      )}
      {draft.metric === 'count_over_time' && (
        <label>
          Split by
          <select value={draft.field ?? ''} onChange={(e) => set({ field: e.target.value || undefined })}>
            <option value="">nothing</option>
            {groupFields.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
      )}
      <label>
        Event types (comma-separated, empty: all)
        <input value={(draft.eventTypes ?? []).join(', ')} onChange={(e) => set({ eventTypes: e.target.value.split(',').map((t) => t.trim()).filter(Boolean) })} placeholder="ssh_failed, windows_logon_failed" />
      </label>
      {draft.metric === 'events' && (
        <label>
          Free text
          <input value={draft.q ?? ''} onChange={(e) => set({ q: e.target.value || undefined })} />
        </label>
      )}
      <fieldset className="kind-picker">
        <legend>Chart</legend>
        {kinds.map((kind: WidgetKind) => (
          <label key={kind}>
            <input type="radio" name="kind" value={kind} checked={draft.kind === kind} onChange={() => set({ kind })} /> {kind}
          </label>
        ))}
      </fieldset>
      <label>
        Range
        <select value={draft.range ?? ''} onChange={(e) => set({ range: e.target.value || undefined })}>
          <option value="">dashboard's range</option>
          <RangeOptions />
        </select>
      </label>
      <div className="form-actions">
        <button type="submit" className="button primary" data-testid="widget-save">
          {saveLabel}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
