import type { ReactNode } from 'react';

/** A 12-column grid; widgets flow in order, each spanning `w` columns and `h` rows. */
export function Grid({ children }: { children: ReactNode }) {
  return <div className="grid">{children}</div>;
}

export function GridCell({ w, h, title, actions, children, testId }: { w: number; h: number; title: string; actions?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="grid-cell panel" style={{ gridColumn: `span ${w}`, gridRow: `span ${h}` }} aria-label={title} data-testid={testId}>
      <header className="panel-header">
        <h2 className="panel-title">{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}
