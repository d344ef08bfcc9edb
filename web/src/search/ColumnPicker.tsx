import { useState } from 'react';
import { knownColumns } from './columns.ts';

/** Chooses the table's columns; any metadata field can be added by name. */
export function ColumnPicker({ columns, onChange }: { columns: string[]; onChange: (columns: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const [custom, setCustom] = useState('');
  const extra = columns.filter((c) => !knownColumns.some((k) => k.key === c));
  const toggle = (key: string) => onChange(columns.includes(key) ? columns.filter((c) => c !== key) : [...columns, key]);
  return (
    <div className="column-picker" onKeyDown={(event) => event.key === 'Escape' && setOpen(false)}>
      <button type="button" className="button" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="column-picker">
        Columns ({columns.length})
      </button>
      {open && (
        <div className="popover popover-right" role="dialog" aria-label="Columns">
          <div className="column-list">
            {[...knownColumns, ...extra.map((key) => ({ key, label: key }))].map((column) => (
              <label key={column.key}>
                <input type="checkbox" checked={columns.includes(column.key)} onChange={() => toggle(column.key)} disabled={columns.length === 1 && columns.includes(column.key)} /> {column.label}
              </label>
            ))}
          </div>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const name = custom.trim();
              if (/^[A-Za-z_][\w.]*$/.test(name) && !columns.includes(name)) onChange([...columns, name]);
              setCustom('');
            }}
          >
            <input value={custom} onChange={(e) => setCustom(e.target.value)} placeholder="other field, e.g. door" aria-label="Add a column by field name" />
          </form>
        </div>
      )}
    </div>
  );
}
