import type { ReactNode } from 'react';

interface PanelProps {
  title: string;
  children: ReactNode;
  actions?: ReactNode;
  className?: string;
  testId?: string;
}

export function Panel({ title, children, actions, className = '', testId }: PanelProps) {
  return (
    <section data-testid={testId} className={`min-w-0 rounded-lg border border-border bg-surface p-4 ${className}`}>
      <header className="mb-3 flex items-center justify-between gap-2">
        <h2 className="text-sm font-semibold tracking-wide text-fg">{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
