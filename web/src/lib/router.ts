// Path routing: every page has a real URL (`/monitors/{id}/checks/{check_id}`)
// that alerts can link to. The gateway and nginx answer index.html for any
// GET path that is not the API, so a deep link opens the UI, which reads
// `location.pathname` here.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  name: string;
  params: Record<string, string>;
}

const PATTERNS: [string, RegExp, string[]][] = [
  ['signin', /^\/sign-in$/, []],
  ['confirm-channel', /^\/confirm-channel$/, []],
  ['unsubscribe', /^\/unsubscribe\/([^/]+)$/, ['token']],
  ['monitors', /^\/(?:monitors)?$/, []],
  ['monitor-new', /^\/monitors\/new$/, []],
  ['monitor-edit', /^\/monitors\/([^/]+)\/edit$/, ['id']],
  ['check', /^\/monitors\/([^/]+)\/checks\/([^/]+)$/, ['id', 'checkId']],
  ['monitor', /^\/monitors\/([^/]+)$/, ['id']],
  ['channels', /^\/channels$/, []],
  ['api-keys', /^\/api-keys$/, []],
  ['teams', /^\/teams$/, []],
  ['import', /^\/import$/, []],
  ['sessions', /^\/sessions$/, []],
  ['admin', /^\/admin$/, []],
];

/** Paths the gateway answers itself; links to them leave the UI. */
const SERVER_PATHS = /^\/(?:api|auth|docs|health|ready)(?:\/|$)/;

/** Fired on `window` whenever the UI changes the path itself (pushState fires nothing). */
const NAVIGATED = 'lookout:navigated';

export function currentPath(): string {
  const path = location.pathname.replace(/\/+$/, '');
  return path === '' ? '/' : path;
}

export function match(path: string): Route {
  for (const [name, pattern, keys] of PATTERNS) {
    const found = pattern.exec(path);
    if (found) {
      const params: Record<string, string> = {};
      keys.forEach((key, index) => (params[key] = decodeURIComponent(found[index + 1])));
      return { name, params };
    }
  }
  return { name: 'not-found', params: {} };
}

/** Goes to `path` (may carry `?query` and `#fragment`) without reloading the page. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATED));
  if (!path.includes('#')) window.scrollTo(0, 0);
}

export function href(path: string): string {
  return path;
}

/**
 * Bookmarks and links from the hash-routing days (`/#/monitors/…`) open the
 * page they named.
 */
export function upgradeHashRoute(): void {
  if (location.hash.startsWith('#/')) {
    history.replaceState(null, '', location.hash.slice(1));
  }
}

/**
 * The `<a>` a click should route inside the UI, or null when the browser
 * should follow it: other origins, new tabs, downloads, server paths and
 * fragments of the current page (the skip link) are left alone.
 */
export function routedLink(event: MouseEvent): HTMLAnchorElement | null {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return null;
  }
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor || !anchor.hasAttribute('href') || anchor.hasAttribute('download')) return null;
  if (anchor.target && anchor.target !== '_self') return null;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || SERVER_PATHS.test(url.pathname)) return null;
  if (url.pathname === location.pathname && url.search === location.search && url.hash !== '') return null;
  return anchor;
}

/** Routes same-origin link clicks through [`navigate`] instead of a reload. */
export function useLinkRouting(): void {
  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      const anchor = routedLink(event);
      if (!anchor) return;
      event.preventDefault();
      const url = new URL(anchor.href, location.href);
      navigate(`${url.pathname}${url.search}${url.hash}`);
    };
    document.addEventListener('click', onClick);
    return () => document.removeEventListener('click', onClick);
  }, []);
}

export function useRoute(): Route {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const onChange = () => setPath(currentPath());
    window.addEventListener('popstate', onChange);
    window.addEventListener(NAVIGATED, onChange);
    return () => {
      window.removeEventListener('popstate', onChange);
      window.removeEventListener(NAVIGATED, onChange);
    };
  }, []);
  return match(path);
}

/** The current URL's query (`?…` or empty), updated on navigation and back/forward. */
export function useLocationSearch(): string {
  const [search, setSearch] = useState(location.search);
  useEffect(() => {
    const onChange = () => setSearch(location.search);
    window.addEventListener('popstate', onChange);
    window.addEventListener(NAVIGATED, onChange);
    return () => {
      window.removeEventListener('popstate', onChange);
      window.removeEventListener(NAVIGATED, onChange);
    };
  }, []);
  return search;
}
