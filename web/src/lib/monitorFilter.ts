// The monitor list's filter lives in the page's URL (`/monitors?tag=shops&
// status=failing&q=laptop`), so a filtered list can be shared, bookmarked and
// reloaded. These functions are the one translation between the URL, the
// filter bar and the API's query (`GET /api/v1/monitors?tag=&status=&q=`).

/** The statuses `GET /api/v1/monitors?status=` accepts. */
export const STATUSES = ['ok', 'failing', 'triggered', 'paused', 'judge_unavailable', 'pending'] as const;
export type MonitorStatus = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<MonitorStatus, string> = {
  ok: 'OK',
  failing: 'Failing',
  triggered: 'Alerted in the last 24 h',
  paused: 'Paused',
  judge_unavailable: 'Judge unavailable',
  pending: 'Not checked yet',
};

export interface MonitorFilter {
  /** A tag name (as typed in a shared link) or id. */
  tag?: string;
  status?: MonitorStatus;
  /** Text in the name or URL. */
  q?: string;
}

/** The longest search text the API accepts. */
export const MAX_SEARCH = 200;

function isStatus(value: string): value is MonitorStatus {
  return (STATUSES as readonly string[]).includes(value);
}

/**
 * The filter a URL's query names. Blank values are no filter; an unknown
 * status is dropped (an old or mistyped link lists everything rather than
 * failing); search text is trimmed and cut to what the API accepts.
 */
export function parseFilter(search: string): MonitorFilter {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const filter: MonitorFilter = {};
  const tag = params.get('tag')?.trim();
  if (tag) filter.tag = tag;
  const status = params.get('status')?.trim();
  if (status && isStatus(status)) filter.status = status;
  const q = params.get('q')?.trim();
  if (q) filter.q = q.slice(0, MAX_SEARCH);
  return filter;
}

/** The URL query of a filter, `?…` or empty, in a stable order (tag, status, q). */
export function filterToSearch(filter: MonitorFilter): string {
  const params = new URLSearchParams();
  if (filter.tag?.trim()) params.set('tag', filter.tag.trim());
  if (filter.status) params.set('status', filter.status);
  if (filter.q?.trim()) params.set('q', filter.q.trim());
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function isFiltered(filter: MonitorFilter): boolean {
  return Boolean(filter.tag || filter.status || filter.q);
}

/** The same filter, as the API's query parameters and the bulk endpoint's `filter`. */
export function filterQuery(filter: MonitorFilter): { tag?: string; status?: MonitorStatus; q?: string } {
  const query: { tag?: string; status?: MonitorStatus; q?: string } = {};
  if (filter.tag) query.tag = filter.tag;
  if (filter.status) query.status = filter.status;
  if (filter.q) query.q = filter.q;
  return query;
}

/** Whether two filters list the same monitors. */
export function sameFilter(left: MonitorFilter, right: MonitorFilter): boolean {
  return filterToSearch(left) === filterToSearch(right);
}

/** A sentence for what the list shows, e.g. “Failing monitors tagged shops matching “laptop””. */
export function describeFilter(filter: MonitorFilter): string {
  const parts = [filter.status ? `${STATUS_LABELS[filter.status]} monitors` : 'Monitors'];
  if (filter.tag) parts.push(`tagged ${filter.tag}`);
  if (filter.q) parts.push(`matching “${filter.q}”`);
  return parts.join(' ');
}
