import type { ToolJob } from '@/types/jobs';
import type { ReactNode } from 'react';

export type Row = Record<string, unknown>;

export function isRecord(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Result rows from the stored items: the agent sends each batch as `{"rows": [...]}` and the hub
 * keeps each batch as one item, so batches are unpacked here; anything else is one row.
 */
export function flattenRows(items: readonly unknown[]): Row[] {
  const rows: Row[] = [];
  for (const item of items) {
    if (item === undefined) continue;
    if (isRecord(item) && Array.isArray(item.rows) && Object.keys(item).length === 1) {
      for (const row of item.rows) rows.push(isRecord(row) ? row : { value: row });
    } else {
      rows.push(isRecord(item) ? item : { value: item });
    }
  }
  return rows;
}

export function str(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function ms(value: unknown): string {
  const n = num(value);
  return n === null ? '–' : `${n.toFixed(n < 10 ? 3 : n < 100 ? 2 : 1)} ms`;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(str).filter(Boolean) : [];
}

export const th = 'border-b border-border px-2 py-1.5 text-xs font-semibold uppercase tracking-wide text-muted whitespace-nowrap';
export const td = 'border-b border-border px-2 py-1.5 align-top text-fg';
export const tdMono = `${td} font-mono text-xs break-all`;
export const tdNum = `${td} text-right tabular-nums whitespace-nowrap`;

/**
 * The table of a job's result rows (`tool-rows`); `columns` are header labels, and those listed
 * in `numeric` are right-aligned like their cells (tdNum), so each header sits over its figures.
 */
export function ResultTable({
  columns,
  numeric = [],
  children,
  count,
}: {
  columns: string[];
  numeric?: readonly string[];
  children: ReactNode;
  count: number;
}) {
  return (
    <div className="max-h-[32rem] overflow-auto rounded-md border border-border">
      <table data-testid="tool-rows" data-count={count} className="w-full min-w-[36rem] border-collapse text-left text-sm">
        <thead className="sticky top-0 bg-surface">
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col" className={numeric.includes(c) ? `${th} text-right` : th}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

export function Badge({ children, tone = 'muted', title }: { children: ReactNode; tone?: 'muted' | 'ok' | 'warn' | 'crit' | 'accent'; title?: string }) {
  const colour = { muted: 'text-muted', ok: 'text-ok', warn: 'text-warn', crit: 'text-crit', accent: 'text-accent' }[tone];
  return (
    <span title={title} className={`inline-flex items-center rounded-full border border-border px-1.5 py-0 text-[11px] font-medium ${colour}`}>
      {children}
    </span>
  );
}

/** A few summary facts side by side: label over value. */
export function Facts({ items }: { items: [string, ReactNode][] }) {
  const shown = items.filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (shown.length === 0) return null;
  return (
    <dl className="flex flex-wrap gap-x-6 gap-y-2 text-sm">
      {shown.map(([label, value]) => (
        <div key={label}>
          <dt className="text-xs text-muted">{label}</dt>
          <dd className="font-medium tabular-nums text-fg">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The agent's notes about how it ran (fallbacks without CAP_NET_RAW, …). */
export function Notes({ result }: { result: unknown }) {
  const notes = isRecord(result) ? stringList(result.notes) : [];
  if (notes.length === 0) return null;
  return (
    <ul data-testid="tool-notes" className="space-y-1 text-sm text-warn">
      {notes.map((n) => (
        <li key={n}>{n}</li>
      ))}
    </ul>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="py-2 text-sm text-muted">{children}</p>;
}

/** A job result's summary facts, read from `job.result` once it is there. */
export function ResultFacts({ job, items }: { job: ToolJob; items: (result: Row) => [string, ReactNode][] }) {
  return isRecord(job.result) ? <Facts items={items(job.result)} /> : null;
}

/** What a result without rows says: `finished` once the job is done, `running` while rows may still come. */
export function NoRows({ job, finished, running }: { job: ToolJob; finished: string; running: string }) {
  return <Empty>{job.status === 'finished' ? finished : running}</Empty>;
}

/** Facts that are one field of the result each: [label, field]. */
export function fieldFacts(result: Row, fields: readonly (readonly [string, string])[]): [string, string][] {
  return fields.map(([label, field]) => [label, str(result[field])]);
}

interface ResultRowsProps {
  rows: Row[];
  /** What stands instead of an empty table. */
  none: ReactNode;
  columns: string[];
  numeric?: readonly string[];
  /** A row's <tr>. */
  children: (row: Row, index: number) => ReactNode;
}

/** The result's rows in a {@link ResultTable}, or what stands instead of none. */
export function ResultRows({ rows, none, columns, numeric, children }: ResultRowsProps) {
  if (rows.length === 0) return <>{none}</>;
  return (
    <ResultTable columns={columns} numeric={numeric} count={rows.length}>
      {rows.map(children)}
    </ResultTable>
  );
}

/** The "Elapsed" fact of a result that has it. */
export function elapsed(result: Row): [string, string] {
  return ['Elapsed', result.elapsed !== undefined ? `${str(result.elapsed)} s` : ''];
}

export function Raw({ value, label = 'Raw result' }: { value: unknown; label?: string }) {
  return (
    <details className="text-sm">
      <summary className="cursor-pointer text-muted hover:text-fg">{label}</summary>
      <pre data-testid="tool-raw" tabIndex={0} className="mt-2 max-h-96 overflow-auto whitespace-pre-wrap break-all rounded-md bg-surface-2 p-3 font-mono text-xs text-fg">
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}
