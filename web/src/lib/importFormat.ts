// Which import format a file is, by its content, as the gateway decides when
// no format is named: a JSON object is Lookout's export or changedetection.io's
// url-watches.json; YAML keys (`url:`, `---`) are urlwatch; anything else is a
// list of URLs.
import type { ImportFormat } from '../api/types';

export const FORMAT_LABELS: Record<ImportFormat, string> = {
  urls: 'List of URLs (one per line)',
  changedetection: 'changedetection.io (backup ZIP or url-watches.json)',
  urlwatch: 'urlwatch / webchanges (urls.yaml)',
  lookout: 'Lookout export (JSON)',
};

export function detectFormat(text: string): ImportFormat {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const value = JSON.parse(trimmed) as Record<string, unknown>;
      if (value.format === 'lookout-export') return 'lookout';
      if (value.watching !== undefined) return 'changedetection';
    } catch {
      // Not JSON after all: the gateway will say why.
    }
    return 'lookout';
  }
  const yamlLike = trimmed.split(/\r?\n/).some((line) => {
    const key = line.replace(/^- /, '').trim();
    return key === '---' || /^(url|name|navigate|command):/.test(key);
  });
  return yamlLike ? 'urlwatch' : 'urls';
}

/** Whether a file's first bytes are a ZIP archive's (a changedetection.io backup). */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}
