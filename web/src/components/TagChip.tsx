import type { MonitorTag } from '../api/types';
import { filterToSearch } from '../lib/monitorFilter';
import { href } from '../lib/router';

/**
 * A tag as a chip: the colour is a dot beside the name, never the text's
 * background, so any colour a user picks keeps the name readable.
 */
export function TagChip({ tag, link = false }: { tag: Pick<MonitorTag, 'name' | 'colour'>; link?: boolean }) {
  const content = (
    <>
      <span class="tag-dot" style={{ background: tag.colour }} aria-hidden="true" />
      {tag.name}
    </>
  );
  return link ? (
    <a class="tag-chip" href={href(`/monitors${filterToSearch({ tag: tag.name })}`)} title={`Monitors tagged ${tag.name}`}>
      {content}
    </a>
  ) : (
    <span class="tag-chip">{content}</span>
  );
}

export function TagChips({ tags, link = false }: { tags?: MonitorTag[] | null; link?: boolean }) {
  if (!tags || tags.length === 0) return null;
  return (
    <ul class="tag-chips" aria-label="Tags">
      {tags.map((tag) => (
        <li key={tag.id}>
          <TagChip tag={tag} link={link} />
        </li>
      ))}
    </ul>
  );
}
