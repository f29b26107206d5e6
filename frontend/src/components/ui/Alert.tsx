import type { ReactNode } from 'react';

interface AlertProps {
  children: ReactNode;
  tone?: 'error' | 'info';
  testId?: string;
}

export function Alert({ children, tone = 'error', testId }: AlertProps) {
  const styles =
    tone === 'error'
      ? 'border-crit/40 bg-crit/10 text-crit'
      : 'border-border bg-surface-2 text-fg';
  return (
    <div role={tone === 'error' ? 'alert' : 'status'} data-testid={testId} className={`rounded-md border px-3 py-2 text-sm ${styles}`}>
      {children}
    </div>
  );
}
