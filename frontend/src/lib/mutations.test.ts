import { QueryClient, queryOptions } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { invalidate, removeFromList, replaceInList } from './mutations';

interface Thing {
  id: number;
  name: string;
}

const things = queryOptions({ queryKey: ['things'], queryFn: (): Promise<Thing[]> => Promise.resolve([]) });

function cacheWith(rows: Thing[]): QueryClient {
  const queryClient = new QueryClient();
  queryClient.setQueryData(things.queryKey, rows);
  return queryClient;
}

const rows: Thing[] = [
  { id: 1, name: 'one' },
  { id: 2, name: 'two' },
];

describe('cache effects of mutations', () => {
  it('removes the row called by id and marks the list stale', async () => {
    const queryClient = cacheWith(rows);
    await removeFromList(things.queryKey)(queryClient, undefined, 1);
    expect(queryClient.getQueryData(things.queryKey)).toEqual([{ id: 2, name: 'two' }]);
    expect(queryClient.getQueryState(things.queryKey)?.isInvalidated).toBe(true);
  });

  it('removes the row called with the row itself', async () => {
    const queryClient = cacheWith(rows);
    await removeFromList(things.queryKey)(queryClient, undefined, { id: 2 });
    expect(queryClient.getQueryData(things.queryKey)).toEqual([{ id: 1, name: 'one' }]);
  });

  it('replaces the row with the answer and runs what follows with it', async () => {
    const queryClient = cacheWith(rows);
    const seen: Thing[] = [];
    await replaceInList(things.queryKey, (_client, row) => seen.push(row))(queryClient, { id: 2, name: 'deux' }, 2);
    expect(queryClient.getQueryData(things.queryKey)).toEqual([rows[0], { id: 2, name: 'deux' }]);
    expect(seen).toEqual([{ id: 2, name: 'deux' }]);
  });

  it('invalidates every query a key is a prefix of', async () => {
    const queryClient = cacheWith(rows);
    queryClient.setQueryData(['other'], 1);
    await invalidate(['things'])(queryClient, undefined, undefined);
    expect(queryClient.getQueryState(things.queryKey)?.isInvalidated).toBe(true);
    expect(queryClient.getQueryState(['other'])?.isInvalidated).toBe(false);
  });
});
