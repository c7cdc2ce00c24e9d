import { useEffect, useState } from 'preact/hooks';
import type { Tag } from '../api/types';
import { filterToSearch, isFiltered, MAX_SEARCH, type MonitorFilter, type MonitorStatus, STATUS_LABELS, STATUSES } from '../lib/monitorFilter';
import { href, navigate } from '../lib/router';

/**
 * Tag, status and search over the monitor list. The filter is the page's
 * URL: each change navigates to `/monitors?…`, so the browser's back button,
 * a reload and a shared link all show the same list.
 */
export function MonitorFilterBar({ filter, tags }: { filter: MonitorFilter; tags: Tag[] }) {
  const [q, setQ] = useState(filter.q ?? '');
  useEffect(() => setQ(filter.q ?? ''), [filter.q]);
  const apply = (next: MonitorFilter) => navigate(`/monitors${filterToSearch(next)}`);
  // The same name in several teams is one choice: the API matches it in each.
  const names = [...new Set(tags.map((tag) => tag.name))].sort((a, b) => a.localeCompare(b));
  const tagKnown = !filter.tag || names.some((name) => name.toLowerCase() === filter.tag?.toLowerCase());

  return (
    <form
      class="filter-bar"
      role="search"
      aria-label="Filter monitors"
      onSubmit={(event) => {
        event.preventDefault();
        apply({ ...filter, q });
      }}
    >
      <div>
        <label for="filter-tag">Tag</label>
        <select id="filter-tag" value={filter.tag ?? ''} onChange={(event) => apply({ ...filter, tag: event.currentTarget.value || undefined })}>
          <option value="">Any tag</option>
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
          {!tagKnown && <option value={filter.tag}>{filter.tag}</option>}
        </select>
      </div>
      <div>
        <label for="filter-status">Status</label>
        <select
          id="filter-status"
          value={filter.status ?? ''}
          onChange={(event) => apply({ ...filter, status: (event.currentTarget.value || undefined) as MonitorStatus | undefined })}
        >
          <option value="">Any status</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {STATUS_LABELS[status]}
            </option>
          ))}
        </select>
      </div>
      <div class="grow">
        <label for="filter-q">Search name or URL</label>
        <input id="filter-q" type="search" value={q} maxLength={MAX_SEARCH} onInput={(event) => setQ(event.currentTarget.value)} />
      </div>
      <div class="filter-actions">
        <button type="submit" class="secondary">
          Search
        </button>
        {isFiltered(filter) && (
          <a class="button secondary" href={href('/monitors')}>
            Clear filter
          </a>
        )}
      </div>
    </form>
  );
}
