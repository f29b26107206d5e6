import type { ReactNode } from 'react';

export const th = 'py-1.5 pr-3 text-xs font-medium text-muted whitespace-nowrap';
export const thRight = `${th} text-right`;
export const td = 'py-1.5 pr-3 align-top';
export const tdRight = `${td} text-right tabular-nums whitespace-nowrap`;
export const tdMono = `${td} font-mono text-xs break-all`;

export function Table({ minWidth = '36rem', head, children }: { minWidth?: string; head: ReactNode; children: ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" style={{ minWidth }}>
        <thead>
          <tr>{head}</tr>
        </thead>
        <tbody className="[&>tr]:border-t [&>tr]:border-border">{children}</tbody>
      </table>
    </div>
  );
}

export function Muted({ children, state }: { children: ReactNode; state?: string }) {
  return (
    <p data-state={state} className="py-2 text-sm text-muted">
      {children}
    </p>
  );
}

/** What a table shows instead of rows when the family is unavailable or not reported yet. */
export function familyNote(unavailable: boolean, reported: boolean): ReactNode {
  if (unavailable) return <Muted state="unavailable">unavailable on this host</Muted>;
  if (!reported) return <Muted state="pending">Not reported yet.</Muted>;
  return null;
}
