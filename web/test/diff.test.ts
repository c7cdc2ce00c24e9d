import { describe, expect, it } from 'vitest';
import { diffStats, parseUnifiedDiff, toSideBySide } from '../src/lib/diff';

const DIFF = `--- previous
+++ current
@@ -1,4 +1,4 @@
 Widget
-Price: 120 EUR
+Price: 90 EUR
+Sale!
 In stock
\\ No newline at end of file
`;

describe('unified diffs', () => {
  it('number the lines of both sides and drop the file headers', () => {
    const lines = parseUnifiedDiff(DIFF);
    expect(lines.map((line) => [line.kind, line.text, line.oldNumber, line.newNumber])).toEqual([
      ['hunk', '@@ -1,4 +1,4 @@', null, null],
      ['context', 'Widget', 1, 1],
      ['removed', 'Price: 120 EUR', 2, null],
      ['added', 'Price: 90 EUR', null, 2],
      ['added', 'Sale!', null, 3],
      ['context', 'In stock', 3, 4],
    ]);
    expect(diffStats(lines)).toEqual({ added: 2, removed: 1 });
  });

  it('pair removed and added lines side by side', () => {
    const rows = toSideBySide(parseUnifiedDiff(DIFF));
    const texts = rows.map((row) => (row.full ? row.full.text : [row.left?.text ?? null, row.right?.text ?? null]));
    expect(texts).toEqual([
      '@@ -1,4 +1,4 @@',
      ['Widget', 'Widget'],
      ['Price: 120 EUR', 'Price: 90 EUR'],
      [null, 'Sale!'],
      ['In stock', 'In stock'],
    ]);
  });

  it('leave out "No newline at end of file", so a changed last line still pairs up', () => {
    const diff = '@@ -1,2 +1,2 @@\n Widget\n-Price: 120 EUR\n\\ No newline at end of file\n+Price: 90 EUR\n\\ No newline at end of file\n';
    const lines = parseUnifiedDiff(diff);
    expect(lines.some((line) => line.text.includes('No newline'))).toBe(false);
    expect(lines.at(-1)).toMatchObject({ kind: 'added', text: 'Price: 90 EUR', newNumber: 2 });
    const rows = toSideBySide(lines);
    expect(rows.at(-1)).toMatchObject({ left: { text: 'Price: 120 EUR' }, right: { text: 'Price: 90 EUR' } });
  });

  it('start at the numbers of a later hunk', () => {
    const lines = parseUnifiedDiff('@@ -10,2 +12,2 @@\n a\n-b\n+c\n');
    expect(lines[1]).toMatchObject({ oldNumber: 10, newNumber: 12 });
    expect(lines[2]).toMatchObject({ kind: 'removed', oldNumber: 11 });
    expect(lines[3]).toMatchObject({ kind: 'added', newNumber: 13 });
  });
});
