const TONES: Record<string, string> = {
  ok: 'good',
  triggered: 'alert',
  paused: 'muted',
  pending: 'muted',
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const tone = TONES[status] ?? 'bad';
  return <span class={`badge ${tone}`}>{label ?? status.replace(/_/g, ' ')}</span>;
}
