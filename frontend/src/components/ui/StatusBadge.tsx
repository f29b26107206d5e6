import type { HostStatus } from '@/lib/metrics';

const STYLE: Record<HostStatus, { label: string; dot: string; text: string }> = {
  online: { label: 'online', dot: 'bg-ok', text: 'text-ok' },
  stale: { label: 'stale', dot: 'bg-warn', text: 'text-warn' },
  offline: { label: 'offline', dot: 'bg-muted', text: 'text-muted' },
};

interface StatusBadgeProps {
  status: HostStatus;
  testId?: string;
  title?: string;
}

export function StatusBadge({ status, testId, title }: StatusBadgeProps) {
  const style = STYLE[status];
  return (
    <span
      data-testid={testId}
      data-state={status}
      title={title}
      className={`inline-flex shrink-0 items-center gap-1.5 rounded-full border border-border px-2 py-0.5 text-xs font-medium ${style.text}`}
    >
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${style.dot}`} />
      {style.label}
    </span>
  );
}
