const TONES: Record<string, string> = {
  ok: 'good',
  triggered: 'alert',
  paused: 'muted',
  pending: 'muted',
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const tone = TONES[status] ?? 'bad';
  return <span class={`badge ${tone}`}>{label ?? capitalise(status.replace(/_/g, ' '))}</span>;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
