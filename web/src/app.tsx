import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, setUnauthorizedHandler } from './api/client';
import { getMe, isAdmin, logout } from './api/auth';
import type { Me } from './api/types';
import { InvitationsNotice } from './components/InvitationsNotice';
import { ErrorMessage, Loading } from './components/states';
import { currentPath, href, navigate, type Route, useLinkRouting, useRoute } from './lib/router';
import { documentTitle } from './lib/title';
import { SessionContext } from './session';
import { SignIn } from './pages/SignIn';
import { Monitors } from './pages/Monitors';
import { MonitorForm } from './pages/MonitorForm';
import { MonitorDetail } from './pages/MonitorDetail';
import { CheckDetail } from './pages/CheckDetail';
import { ConfirmChannel } from './pages/ConfirmChannel';
import { Unsubscribe } from './pages/Unsubscribe';
import { Channels } from './pages/Channels';
import { ApiKeys } from './pages/ApiKeys';
import { Teams } from './pages/Teams';
import { Sessions } from './pages/Sessions';
import { Admin } from './pages/Admin';
import { Import } from './pages/Import';

type Auth = { state: 'loading' } | { state: 'signed-out' } | { state: 'failed'; error: unknown } | { state: 'in'; me: Me };

const NAV: { path: string; label: string; route: string[]; admin?: boolean }[] = [
  { path: '/monitors', label: 'Monitors', route: ['monitors', 'monitor', 'monitor-new', 'monitor-edit', 'check', 'import'] },
  { path: '/channels', label: 'Channels', route: ['channels'] },
  { path: '/teams', label: 'Teams', route: ['teams'] },
  { path: '/api-keys', label: 'API keys', route: ['api-keys'] },
  { path: '/sessions', label: 'Sessions', route: ['sessions'] },
  { path: '/admin', label: 'Admin', route: ['admin'], admin: true },
];

function Page({ route, admin }: { route: Route; admin: boolean }) {
  switch (route.name) {
    case 'monitors':
      return <Monitors />;
    case 'monitor-new':
      return <MonitorForm />;
    case 'monitor-edit':
      return <MonitorForm id={route.params.id} />;
    case 'monitor':
      return <MonitorDetail id={route.params.id} />;
    case 'check':
      return <CheckDetail monitorId={route.params.id} checkId={route.params.checkId} />;
    case 'channels':
      return <Channels />;
    case 'api-keys':
      return <ApiKeys />;
    case 'teams':
      return <Teams />;
    case 'import':
      return <Import />;
    case 'sessions':
      return <Sessions />;
    case 'admin':
      return admin ? <Admin /> : <NotFound />;
    default:
      return <NotFound />;
  }
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        <a href={href('/monitors')}>Back to your monitors</a>
      </p>
    </section>
  );
}

/** Focuses the content without touching the URL, whatever the browser does with fragments. */
function skipToContent(event: MouseEvent) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

/** What the tab says for each route; pages that load a name refine it. */
const TITLES: Record<string, string> = {
  monitors: 'Monitors',
  'monitor-new': 'New monitor',
  'monitor-edit': 'Edit monitor',
  monitor: 'Monitor',
  check: 'Check',
  channels: 'Channels',
  'api-keys': 'API keys',
  teams: 'Teams',
  import: 'Import monitors',
  sessions: 'Sessions',
  admin: 'Admin',
};

export function pageTitle(auth: Auth['state'], route: Route, admin: boolean): string {
  if (route.name === 'confirm-channel') return documentTitle('Confirm alerts');
  if (route.name === 'unsubscribe') return documentTitle('Unsubscribe');
  if (auth === 'signed-out') return documentTitle('Sign in');
  if (auth !== 'in') return documentTitle(null);
  if (route.name === 'admin' && !admin) return documentTitle('Page not found');
  return documentTitle(TITLES[route.name] ?? 'Page not found');
}

export function App() {
  const route = useRoute();
  useLinkRouting();
  const [auth, setAuth] = useState<Auth>({ state: 'loading' });
  const [menuOpen, setMenuOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);

  const loadMe = useCallback(async () => {
    try {
      const me = await getMe();
      setAuth({ state: 'in', me });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setAuth({ state: 'signed-out' });
      else setAuth({ state: 'failed', error });
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => setAuth({ state: 'signed-out' }));
    void loadMe();
  }, [loadMe]);

  useEffect(() => setMenuOpen(false), [route.name, route.params.id]);

  useEffect(() => {
    // A signed-in person has nothing to do on the sign-in page, and `/` is the monitor list's address.
    if (auth.state === 'in' && (route.name === 'signin' || currentPath() === '/')) navigate('/monitors', { replace: true });
  }, [auth.state, route.name]);

  const signedInAdmin = auth.state === 'in' && isAdmin(auth.me);
  useEffect(() => {
    document.title = pageTitle(auth.state, route, signedInAdmin);
  }, [auth.state, route.name, signedInAdmin]);

  // A recipient confirming alerts needs no account.
  if (route.name === 'confirm-channel') return <ConfirmChannel />;
  if (route.name === 'unsubscribe') return <Unsubscribe token={route.params.token} />;

  if (auth.state === 'loading') {
    return (
      <main class="centered">
        <Loading label="Opening Lookout…" />
      </main>
    );
  }
  if (auth.state === 'failed') {
    return (
      <main class="centered">
        <h1>Lookout</h1>
        <ErrorMessage error={auth.error} onRetry={() => void loadMe()} />
      </main>
    );
  }
  if (auth.state === 'signed-out') {
    const back = route.name === 'signin' ? '/monitors' : `${currentPath()}${location.search}${location.hash}`;
    return <SignIn redirectPath={back} />;
  }

  const admin = isAdmin(auth.me);
  const signOut = async () => {
    setSigningOut(true);
    try {
      await logout();
    } catch {
      // Signing out locally is what the person asked for, even if the server could not be told.
    }
    setSigningOut(false);
    navigate('/sign-in');
    setAuth({ state: 'signed-out' });
  };

  return (
    <SessionContext.Provider value={{ me: auth.me, admin, refreshMe: loadMe }}>
      <a class="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href('/monitors')}>
          <span class="logo" aria-hidden="true">◉</span> Lookout
        </a>
        <button
          type="button"
          class="menu-toggle secondary"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="main-nav" class={menuOpen ? 'open' : ''} aria-label="Main">
          <ul>
            {NAV.filter((item) => !item.admin || admin).map((item) => (
              <li key={item.path}>
                <a href={href(item.path)} aria-current={item.route.includes(route.name) ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
          <div class="account">
            <span class="muted small" title={auth.me.email}>
              {auth.me.email}
            </span>
            <button type="button" class="secondary small-button" onClick={signOut} disabled={signingOut}>
              {signingOut ? 'Signing out…' : 'Sign out'}
            </button>
          </div>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <InvitationsNotice hidden={route.name === 'teams'} />
        <Page route={route} admin={admin} />
      </main>
    </SessionContext.Provider>
  );
}
