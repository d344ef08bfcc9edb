import { useCallback, useRef, useState } from 'react';
import { lastNavigationAt } from '../lib/router.ts';

declare global {
  interface Window {
    /** Milliseconds from navigation to the last widget settling, set by dashboards (read by the e2e run). */
    __siemRenderMs?: number;
    /** Milliseconds from navigation to each widget settling. */
    __siemWidgetMs?: Record<string, number>;
  }
}

/**
 * Measures how long a page takes, from navigation (the page load, or the in-app link that opened it)
 * until every one of its widgets shows data, emptiness or an error.
 */
export function useRenderTimer(ids: string[]) {
  const started = useRef(lastNavigationAt());
  const settled = useRef(new Set<string>());
  const [ms, setMs] = useState<number | null>(null);
  const key = ids.join(',');
  // Reset while rendering, before any widget (whose effects run first) can report.
  useState(() => {
    window.__siemRenderMs = undefined;
    window.__siemWidgetMs = {};
  });
  const onReady = useCallback(
    (id: string) => {
      if (!settled.current.has(id) && window.__siemWidgetMs) window.__siemWidgetMs[id] = Math.round(performance.now() - started.current);
      settled.current.add(id);
      if (ids.every((i) => settled.current.has(i)) && ms === null) {
        const elapsed = Math.round(performance.now() - started.current);
        performance.mark('siem:widgets-rendered');
        window.__siemRenderMs = elapsed;
        setMs(elapsed);
      }
    },
    [key, ms],
  );
  return { onReady, renderMs: ms };
}
