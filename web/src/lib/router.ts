import { useSyncExternalStore } from 'react';

/**
 * The dashboard's routes are few and flat, so a history-API router of a few lines is enough; every
 * view keeps its state in the query string, which makes every view a shareable URL.
 */
const changeEvent = 'siem:navigate';

const onPopState = () => (navigatedAt = performance.now());

function subscribe(onChange: () => void) {
  window.addEventListener('popstate', onChange);
  window.addEventListener('popstate', onPopState);
  window.addEventListener(changeEvent, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener('popstate', onPopState);
    window.removeEventListener(changeEvent, onChange);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export function useLocation(): { path: string; params: URLSearchParams; href: string } {
  const href = useSyncExternalStore(subscribe, snapshot, () => '/');
  const url = new URL(href, 'http://local');
  return { path: url.pathname, params: url.searchParams, href };
}

let navigatedAt = 0;

/** `performance.now()` of the last in-app navigation; 0 (the page load) before the first. */
export function lastNavigationAt(): number {
  return navigatedAt;
}

/** Pushes (or replaces) a history entry and tells every `useLocation` about it. */
export function navigate(href: string, options: { replace?: boolean } = {}) {
  if (href === snapshot()) return;
  navigatedAt = performance.now();
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(changeEvent));
}

/** A link that navigates without reloading, but still opens in a new tab with a modifier key. */
export function onLinkClick(event: React.MouseEvent<HTMLAnchorElement>) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const href = event.currentTarget.getAttribute('href');
  if (!href || !href.startsWith('/')) return;
  event.preventDefault();
  navigate(href);
}
