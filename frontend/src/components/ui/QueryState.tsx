import type { ReactNode } from 'react';
import { describeError } from '@/lib/api';
import { Alert } from './Alert';
import { Spinner } from './Spinner';

interface QueryStateProps<T> {
  query: { isPending: boolean; isError: boolean; error: unknown; data: readonly T[] | undefined };
  /** The spinner's text while the list loads. */
  loading: string;
  /** What the error says when the hub gives no reason. */
  failure: string;
  /** Shown instead of an empty list. */
  empty: ReactNode;
  children: (rows: readonly T[]) => ReactNode;
}

/** A list query's rows, or that they are loading, could not be loaded, or are none. */
export function QueryState<T>({ query, loading, failure, empty, children }: QueryStateProps<T>) {
  if (query.isPending) return <Spinner label={loading} />;
  if (query.isError) return <Alert>{describeError(query.error, failure)}</Alert>;
  if (!query.data || query.data.length === 0) return <>{empty}</>;
  return <>{children(query.data)}</>;
}
