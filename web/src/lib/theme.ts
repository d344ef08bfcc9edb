import { useSyncExternalStore } from 'react';

export type Theme = 'light' | 'dark';
const storageKey = 'pgsiem.theme';
const changeEvent = 'siem:theme';

function systemTheme(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function currentTheme(): Theme {
  const stored = window.localStorage.getItem(storageKey);
  return stored === 'light' || stored === 'dark' ? stored : systemTheme();
}

export function applyTheme(theme: Theme = currentTheme()) {
  document.documentElement.dataset.theme = theme;
}

export function setTheme(theme: Theme) {
  window.localStorage.setItem(storageKey, theme);
  applyTheme(theme);
  window.dispatchEvent(new Event(changeEvent));
}

export function useTheme(): Theme {
  return useSyncExternalStore(
    (onChange) => {
      window.addEventListener(changeEvent, onChange);
      return () => window.removeEventListener(changeEvent, onChange);
    },
    currentTheme,
    () => 'light' as Theme,
  );
}

/** nivo draws SVG with literal colours, so its theme follows ours here. */
export function nivoTheme(theme: Theme) {
  const text = theme === 'dark' ? '#d4d7dd' : '#30343b';
  const grid = theme === 'dark' ? '#30343b' : '#e4e6ea';
  return {
    text: { fill: text, fontSize: 11 },
    axis: { ticks: { text: { fill: text, fontSize: 10 }, line: { stroke: grid } }, legend: { text: { fill: text } }, domain: { line: { stroke: grid } } },
    grid: { line: { stroke: grid } },
    legends: { text: { fill: text } },
    labels: { text: { fill: text } },
    tooltip: { container: { background: theme === 'dark' ? '#1d2027' : '#ffffff', color: text, fontSize: 12 } },
  };
}

export const chartColors = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#14b8a6', '#ec4899', '#84cc16', '#f97316', '#64748b'];
