import type { QueryClient } from '@tanstack/react-query';
import { hostGroupsKey } from '@/lib/queries/host-groups';
import { anyHostKey } from '@/lib/queries/hosts';
import { meKey } from '@/lib/queries/me';

/**
 * A group change alters what other pages show too: the groups everywhere, the hosts (their
 * groups), the signed-in user's access, and the users list's grants (the users feature's
 * `['users', …]`, named by prefix: features do not import each other).
 */
export function invalidateGroupViews(queryClient: QueryClient): Promise<unknown> {
  const keys = [hostGroupsKey, anyHostKey, meKey, ['users']];
  return Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}
