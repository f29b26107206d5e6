import type { ReactNode } from 'react';
import { Panel, PanelLine } from '@/components/ui/Panel';

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

/** One column of a {@link RowsTable}: its header and how a row fills its cell. */
export interface Column<T> {
  label: string;
  /** Numbers: right-aligned, tabular. */
  numeric?: boolean;
  /** The header's tooltip. */
  title?: string;
  /** Extra classes of the header. */
  headClass?: string;
  /** The cell's classes; default `td`, or `tdRight` for a numeric column. */
  cellClass?: string | ((row: T) => string);
  cellTitle?: (row: T) => string | undefined;
  cell: (row: T) => ReactNode;
}

type RowAttributes = Record<`data-${string}`, string>;

export interface RowsTableProps<T> {
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey: (row: T, index: number) => string;
  rowAttributes?: (row: T) => RowAttributes;
  minWidth?: string;
}

/** A table with one row per item, its columns described once. */
export function RowsTable<T>({ rows, columns, rowKey, rowAttributes, minWidth }: RowsTableProps<T>) {
  return (
    <Table
      minWidth={minWidth}
      head={columns.map((c) => (
        <th key={c.label} className={`${c.numeric ? thRight : th}${c.headClass ? ` ${c.headClass}` : ''}`} title={c.title}>
          {c.label}
        </th>
      ))}
    >
      {rows.map((row, i) => (
        <tr key={rowKey(row, i)} {...rowAttributes?.(row)}>
          {columns.map((c) => (
            <td
              key={c.label}
              className={typeof c.cellClass === 'function' ? c.cellClass(row) : (c.cellClass ?? (c.numeric ? tdRight : td))}
              title={c.cellTitle?.(row)}
            >
              {c.cell(row)}
            </td>
          ))}
        </tr>
      ))}
    </Table>
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

interface FamilyTableProps<T> extends Omit<RowsTableProps<T>, 'rows'> {
  title: string;
  testId: string;
  className?: string;
  /** The family's rows; null: not reported yet. */
  rows: readonly T[] | null;
  unavailable: boolean;
  /** Adds the number of rows to the title. */
  counted?: boolean;
  /** What the panel says when the host reports no rows. */
  empty: string;
  /** A long list scrolls inside a region of this name (focusable, so keyboard users can scroll it too). */
  scrollLabel?: string;
}

/** A panel of one metric family's rows, or why there are none. */
export function FamilyTable<T>({ title, testId, className, rows, unavailable, counted, empty, scrollLabel, ...table }: FamilyTableProps<T>) {
  const list = rows && <RowsTable rows={rows} {...table} />;
  return (
    <Panel title={counted && rows ? `${title} (${rows.length})` : title} testId={testId} className={className}>
      {familyNote(unavailable, rows !== null) ??
        (rows?.length === 0 ? (
          <Muted>{empty}</Muted>
        ) : scrollLabel ? (
          <div className="max-h-96 overflow-y-auto" tabIndex={0} role="region" aria-label={scrollLabel}>
            {list}
          </div>
        ) : (
          list
        ))}
    </Panel>
  );
}

/**
 * A family with nothing to list (unavailable, or reported empty) is one line, not a panel;
 * null when there is something to show.
 */
export function familyLine(title: string, testId: string, unavailable: boolean, emptyText: string | null): ReactNode {
  if (!unavailable && emptyText === null) return null;
  return (
    <PanelLine title={title} testId={testId}>
      <span data-state={unavailable ? 'unavailable' : 'empty'}>{unavailable ? 'unavailable on this host.' : emptyText}</span>
    </PanelLine>
  );
}
