import { useMemo, useState } from 'preact/hooks';
import { type DiffLine, diffStats, parseUnifiedDiff, toSideBySide } from '../lib/diff';

const SIGN: Record<DiffLine['kind'], string> = { added: '+', removed: '−', context: ' ', hunk: '' };
const SPOKEN: Record<DiffLine['kind'], string> = { added: 'added', removed: 'removed', context: '', hunk: '' };

function Cell({ line }: { line: DiffLine | null }) {
  if (!line) return <td class="diff-empty" colSpan={2} />;
  const number = line.kind === 'added' ? line.newNumber : line.oldNumber;
  return (
    <>
      <td class={`diff-num ${line.kind}`}>{number ?? ''}</td>
      <td class={`diff-text ${line.kind}`}>
        {SPOKEN[line.kind] && <span class="visually-hidden">{SPOKEN[line.kind]}: </span>}
        {line.text}
      </td>
    </>
  );
}

export function DiffView({ diff, initialMode = 'inline' }: { diff: string; initialMode?: 'inline' | 'split' }) {
  const [mode, setMode] = useState(initialMode);
  const lines = useMemo(() => parseUnifiedDiff(diff), [diff]);
  const rows = useMemo(() => toSideBySide(lines), [lines]);
  const stats = diffStats(lines);
  if (lines.length === 0) return <p class="muted">No differences in the text.</p>;
  return (
    <div class="diff">
      <div class="diff-toolbar">
        <span class="small">
          <span class="added-count">+{stats.added}</span> <span class="removed-count">−{stats.removed}</span>
        </span>
        <div class="segmented" role="group" aria-label="Diff layout">
          <button type="button" aria-pressed={mode === 'inline'} onClick={() => setMode('inline')}>
            Inline
          </button>
          <button type="button" aria-pressed={mode === 'split'} onClick={() => setMode('split')}>
            Side by side
          </button>
        </div>
      </div>
      <div class="diff-scroll">
        {mode === 'inline' ? (
          <table class="diff-table inline" data-testid="diff-inline">
            <tbody>
              {lines.map((line, index) =>
                line.kind === 'hunk' ? (
                  <tr key={index}>
                    <td colSpan={4} class={`diff-${line.kind}`}>
                      {line.text}
                    </td>
                  </tr>
                ) : (
                  <tr key={index} class={line.kind}>
                    <td class="diff-num">{line.oldNumber ?? ''}</td>
                    <td class="diff-num">{line.newNumber ?? ''}</td>
                    <td class={`diff-sign ${line.kind}`} aria-hidden="true">
                      {SIGN[line.kind]}
                    </td>
                    <td class={`diff-text ${line.kind}`}>
                      {SPOKEN[line.kind] && <span class="visually-hidden">{SPOKEN[line.kind]}: </span>}
                      {line.text}
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        ) : (
          <table class="diff-table split" data-testid="diff-split">
            <colgroup>
              <col class="num-col" />
              <col />
              <col class="num-col" />
              <col />
            </colgroup>
            <thead>
              <tr>
                <th colSpan={2}>Before</th>
                <th colSpan={2}>After</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) =>
                row.full ? (
                  <tr key={index}>
                    <td colSpan={4} class={`diff-${row.full.kind}`}>
                      {row.full.text}
                    </td>
                  </tr>
                ) : (
                  <tr key={index}>
                    <Cell line={row.left} />
                    <Cell line={row.right} />
                  </tr>
                ),
              )}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
