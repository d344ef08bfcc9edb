import { useEffect } from 'react';

/**
 * Calls `onEscape` when Escape is pressed anywhere while `active`: a drawer closes even when the
 * focus has left it (a button that disabled itself while working drops the focus to the page).
 */
export function useEscape(onEscape: () => void, active = true) {
  useEffect(() => {
    if (!active) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) onEscape();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onEscape, active]);
}
