import { useState } from 'preact/hooks';

/** A secret the server shows only once: visible, selectable, copyable. */
export function SecretOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <div class="notice success secret" role="region" aria-label={label}>
      <p>
        <strong>{label}</strong> — copy it now: it will not be shown again.
      </p>
      <div class="secret-row">
        <input
          aria-label={label}
          readOnly
          value={value}
          class="mono"
          data-testid="secret-value"
          onFocus={(event) => (event.currentTarget as HTMLInputElement).select()}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      <p class="small" aria-live="polite">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'failed' && 'Copying is not allowed here; select the text and copy it by hand.'}
      </p>
      <button type="button" class="secondary" onClick={onDone}>
        I have saved it
      </button>
    </div>
  );
}
