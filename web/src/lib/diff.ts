// Reads the unified diff text a check stores and lays it out for the inline
// and side-by-side views.

export type LineKind = 'context' | 'added' | 'removed' | 'hunk';

export interface DiffLine {
  kind: LineKind;
  text: string;
  oldNumber: number | null;
  newNumber: number | null;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parseUnifiedDiff(diff: string): DiffLine[] {
  const lines: DiffLine[] = [];
  let oldLine = 1;
  let newLine = 1;
  const raw = diff.replace(/\r\n/g, '\n').split('\n');
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  for (const line of raw) {
    // "\ No newline at end of file" is a note for patch tools, not a change a person made.
    if (line.startsWith('--- ') || line.startsWith('+++ ') || line.startsWith('diff ') || line.startsWith('index ') || line.startsWith('\\')) {
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      lines.push({ kind: 'hunk', text: line, oldNumber: null, newNumber: null });
    } else if (line.startsWith('+')) {
      lines.push({ kind: 'added', text: line.slice(1), oldNumber: null, newNumber: newLine++ });
    } else if (line.startsWith('-')) {
      lines.push({ kind: 'removed', text: line.slice(1), oldNumber: oldLine++, newNumber: null });
    } else {
      const text = line.startsWith(' ') ? line.slice(1) : line;
      lines.push({ kind: 'context', text, oldNumber: oldLine++, newNumber: newLine++ });
    }
  }
  return lines;
}

export interface SideBySideRow {
  left: DiffLine | null;
  right: DiffLine | null;
  /** A hunk header spanning both columns. */
  full?: DiffLine;
}

/** Pairs each run of removed lines with the run of added lines after it. */
export function toSideBySide(lines: DiffLine[]): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    if (line.kind === 'hunk') {
      rows.push({ left: null, right: null, full: line });
      index++;
    } else if (line.kind === 'context') {
      rows.push({ left: line, right: line });
      index++;
    } else {
      const removed: DiffLine[] = [];
      const added: DiffLine[] = [];
      while (index < lines.length && lines[index].kind === 'removed') removed.push(lines[index++]);
      while (index < lines.length && lines[index].kind === 'added') added.push(lines[index++]);
      const count = Math.max(removed.length, added.length);
      for (let row = 0; row < count; row++) {
        rows.push({ left: removed[row] ?? null, right: added[row] ?? null });
      }
    }
  }
  return rows;
}

export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  return {
    added: lines.filter((line) => line.kind === 'added').length,
    removed: lines.filter((line) => line.kind === 'removed').length,
  };
}
