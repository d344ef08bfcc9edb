import { useMemo } from 'react';
import { LoginPage } from './auth/LoginPage.tsx';
import { endSession, isAdmin, takeEndReason, useSession } from './auth/session.ts';
import { useRenewal } from './auth/useRenewal.ts';
import { AlertsPage } from './alerts/AlertsPage.tsx';
import { DashboardPage } from './dashboards/DashboardPage.tsx';
import { DashboardsPage } from './dashboards/DashboardsPage.tsx';
import { OverviewPage } from './dashboards/OverviewPage.tsx';
import { useCapabilities } from './lib/capabilities.ts';
import { resetSubscriptions } from './lib/client.ts';
import { useLocation } from './lib/router.ts';
import { setTheme, useTheme } from './lib/theme.ts';
import { QuarantinePage } from './quarantine/QuarantinePage.tsx';
import { RulesPage } from './rules/RulesPage.tsx';
import { SearchPage } from './search/SearchPage.tsx';
import { TailPage } from './tail/TailPage.tsx';
import { Link } from './ui/Link.tsx';

const sections = [
  { href: '/', label: 'Overview' },
  { href: '/search', label: 'Search' },
  { href: '/dashboards', label: 'Dashboards' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/rules', label: 'Rules' },
  { href: '/quarantine', label: 'Quarantine' },
  { href: '/tail', label: 'Live tail' },
];

function route(path: string) {
  if (path === '/') return <OverviewPage />;
  if (path === '/search') return <SearchPage />;
  if (path === '/dashboards') return <DashboardsPage />;
  const dashboard = /^\/dashboards\/([0-9a-f-]{36})$/.exec(path);
  if (dashboard) return <DashboardPage id={dashboard[1]!} />;
  if (path === '/alerts') return <AlertsPage />;
  if (path === '/rules') return <RulesPage />;
  if (path === '/quarantine') return <QuarantinePage />;
  if (path === '/tail') return <TailPage />;
  return (
    <div className="page">
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/">Go to the overview</Link>.
      </p>
    </div>
  );
}

export function App() {
  const session = useSession();
  const { path } = useLocation();
  const theme = useTheme();
  useRenewal(session);
  // Ask once which optional parts (alerts, rules) the API has; views read the cached answer.
  useCapabilities(session === null);
  // Read once per logout, so the reason shows on the login page that follows it.
  const notice = useMemo(() => (session ? null : takeEndReason()), [session]);
  if (!session) return <LoginPage notice={notice} />;
  const current = sections.filter((s) => s.href === '/' ? path === '/' : path.startsWith(s.href)).at(-1)?.href;
  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <nav className="topbar" aria-label="Main">
        <span className="brand">pgsiem</span>
        <ul>
          {sections.map((section) => (
            <li key={section.href}>
              <Link href={section.href} aria-current={current === section.href ? 'page' : undefined}>
                {section.label}
              </Link>
            </li>
          ))}
        </ul>
        <div className="topbar-right">
          <button type="button" className="button ghost" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} data-testid="theme-toggle">
            {theme === 'dark' ? '☀' : '☾'}
          </button>
          <span className="user" title={session.role}>
            {session.email} {isAdmin(session) && <span className="tag">admin</span>}
          </span>
          <button
            type="button"
            className="button ghost"
            onClick={() => {
              resetSubscriptions();
              endSession('You are logged out.');
            }}
            data-testid="logout"
          >
            Log out
          </button>
        </div>
      </nav>
      <main id="content">{route(path)}</main>
    </div>
  );
}
