import type { QueryClient } from '@tanstack/react-query';

/**
 * A group change alters what the fleet and user pages show too. Features do not import each
 * other, so their caches are named here by key prefix: `hosts` (fleet, host pages), `users`
 * (the access dialog's group list), `fleet` (the fleet's group filter) and this feature's own.
 */
export function invalidateGroupViews(queryClient: QueryClient): Promise<unknown> {
  return Promise.all(
    [['groups'], ['hosts'], ['users'], ['fleet']].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
  );
}
