import { queryOptions, type QueryKey } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';

/** What a GET query may add to its key and path: how often to ask again, in ms (for views without a live feed). */
interface GetQueryExtra {
  refetchInterval?: number;
}

/**
 * The options of a query that GETs `path` and caches the answer, of type `T`, under `queryKey`;
 * the request is cancelled when its query is.
 */
export function getQueryOptions<T, TKey extends QueryKey = QueryKey>(queryKey: TKey, path: string, extra: GetQueryExtra = {}) {
  return queryOptions({ queryKey, queryFn: ({ signal }) => apiFetch<T>(path, { signal }), ...extra });
}
