import { useMutation, useQueryClient, type DataTag, type QueryClient, type QueryKey } from '@tanstack/react-query';

/** What a finished mutation does to the cached queries: given its answer and what it was called with. */
export type CacheEffect<TResult, TVars> = (queryClient: QueryClient, result: TResult, vars: TVars) => unknown;

/** The key of a cached list of rows with ids (the `queryKey` of a `queryOptions`). */
type ListKey<TRow> = DataTag<QueryKey, TRow[], Error>;

interface Row {
  id: unknown;
}

/**
 * A mutation hook whose success runs `effect` on the query cache. With `settled`, the effect runs
 * after a failure too (for lists whose rows may have changed even when the request failed).
 */
export function useCacheMutation<TResult, TVars>(
  mutationFn: (vars: TVars) => Promise<TResult>,
  effect: CacheEffect<TResult | undefined, NoInfer<TVars>>,
  { settled = false }: { settled?: boolean } = {},
) {
  const queryClient = useQueryClient();
  const run = (result: TResult | undefined, vars: TVars) => effect(queryClient, result, vars);
  return useMutation({
    mutationFn,
    onSuccess: settled ? undefined : run,
    onSettled: settled ? (result, _error, vars) => run(result, vars) : undefined,
  });
}

/** Refetches these queries (each key also names the queries it is a prefix of). */
export function invalidate(...keys: QueryKey[]): CacheEffect<unknown, unknown> {
  return (queryClient) => Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}

/**
 * Drops the row the mutation was called with (its id, or the row itself) from a cached list at
 * once, then runs `then` (by default: refetches the list).
 */
export function removeFromList<TRow extends Row>(
  key: ListKey<TRow>,
  then: CacheEffect<unknown, unknown> = invalidate(key),
): CacheEffect<unknown, TRow['id'] | Pick<TRow, 'id'>> {
  return (queryClient, result, vars) => {
    const id = typeof vars === 'object' && vars !== null && 'id' in vars ? vars.id : vars;
    queryClient.setQueryData(key, (rows) => rows?.filter((row) => row.id !== id));
    return then(queryClient, result, vars);
  };
}

/** Puts the row the mutation answered with in place of the cached row with its id, then runs `then`. */
export function replaceInList<TRow extends Row>(
  key: ListKey<TRow>,
  then?: CacheEffect<TRow, unknown>,
): CacheEffect<TRow | undefined, unknown> {
  return (queryClient, row, vars) => {
    if (row === undefined) return undefined;
    queryClient.setQueryData(key, (rows) => rows?.map((old) => (old.id === row.id ? row : old)));
    return then?.(queryClient, row, vars);
  };
}

/** Caches the answer (the saved object) as the data of the query `key`, then runs `then`. */
export function storeAnswer<T>(key: DataTag<QueryKey, T, Error>, then?: CacheEffect<T, unknown>): CacheEffect<T | undefined, unknown> {
  return (queryClient, saved, vars) => {
    if (saved === undefined) return undefined;
    queryClient.setQueryData(key, saved);
    return then?.(queryClient, saved, vars);
  };
}
