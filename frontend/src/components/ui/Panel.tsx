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

/** A panel with nothing to show is one line (its title and why), not a box the height of a chart. */
export function PanelLine({ title, testId, className = '', children }: { title: string; testId?: string; className?: string; children: ReactNode }) {
  return (
    <p
      data-testid={testId}
      data-empty="true"
      className={`flex min-w-0 flex-wrap items-baseline gap-x-2 rounded-lg border border-border bg-surface px-4 py-2 text-sm ${className}`}
    >
      <span className="font-semibold text-fg">{title}</span>
      <span className="text-muted">{children}</span>
    </p>
  );
}
