// Hash routing: the gateway or nginx need to serve only index.html at `/`,
// with no fallback for deep links.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  name: string;
  params: Record<string, string>;
}

const PATTERNS: [string, RegExp, string[]][] = [
  ['signin', /^\/sign-in$/, []],
  ['monitors', /^\/(?:monitors)?$/, []],
  ['monitor-new', /^\/monitors\/new$/, []],
  ['monitor-edit', /^\/monitors\/([^/]+)\/edit$/, ['id']],
  ['monitor', /^\/monitors\/([^/]+)$/, ['id']],
  ['channels', /^\/channels$/, []],
  ['api-keys', /^\/api-keys$/, []],
  ['teams', /^\/teams$/, []],
  ['sessions', /^\/sessions$/, []],
  ['admin', /^\/admin$/, []],
];

export function currentPath(hash: string = location.hash): string {
  const path = hash.replace(/^#/, '').split('?')[0];
  return path.startsWith('/') ? path : `/${path}`;
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

export function navigate(path: string): void {
  location.hash = `#${path}`;
}

export function href(path: string): string {
  return `#${path}`;
}

export function useRoute(): Route {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const onChange = () => setPath(currentPath());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return match(path);
}
