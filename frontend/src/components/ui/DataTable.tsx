import type { ReactNode } from 'react';
import { tableClass, tdClass, thClass } from './styles';

type Attributes = { className?: string; title?: string } & Partial<Record<`data-${string}`, string | number | boolean | null>>;

/** One column of a {@link DataTable}: its header and how a row fills its cell. */
export interface Column<T> {
  /** The header; a column of buttons gives {@link ACTIONS}. */
  label: ReactNode;
  /** Classes added to every cell of the column. */
  className?: string;
  /** The cell's attributes from its row (a class, a title, data-*). */
  cellProps?: (row: T) => Attributes;
  cell: (row: T) => ReactNode;
}

/** The header of a column of buttons: read by screen readers, not shown. */
export const ACTIONS = <span className="sr-only">Actions</span>;

/** The last column: a row's buttons, right-aligned, under a header only screen readers read. */
export function actionsColumn<T>(cell: (row: T) => ReactNode): Column<T> {
  return { label: ACTIONS, className: 'text-right', cell };
}

interface DataTableProps<T> {
  /** Keyed by their ids. */
  rows: readonly T[];
  columns: readonly Column<T>[];
  /** The data-testid of every row. */
  rowTestId?: string;
  /** The row's other attributes (data-*, a class). */
  rowProps?: (row: T) => Attributes;
  testId?: string;
  /** The table's classes, instead of the dashboard's usual. */
  className?: string;
}

/** A table with a row per item and its columns described once; it scrolls sideways on a narrow screen. */
export function DataTable<T extends { id: string | number }>({ rows, columns, rowTestId, rowProps, testId, className = tableClass }: DataTableProps<T>) {
  return (
    <div className="overflow-x-auto">
      <table className={className} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={i} scope="col" className={thClass}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-testid={rowTestId} {...rowProps?.(row)}>
              {columns.map((column, i) => {
                const { className, ...attributes } = column.cellProps?.(row) ?? {};
                return (
                  <td key={i} className={[tdClass, column.className, className].filter(Boolean).join(' ')} {...attributes}>
                    {column.cell(row)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
