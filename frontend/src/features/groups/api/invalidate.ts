import { hostGroupsKey } from '@/lib/queries/host-groups';
import { anyHostKey } from '@/lib/queries/hosts';
import { meKey } from '@/lib/queries/me';
import { invalidate } from '@/lib/mutations';

/**
 * A group change alters what other pages show too: the groups everywhere, the hosts (their
 * groups), the signed-in user's access, and the users list's grants (the users feature's
 * `['users', …]`, named by prefix: features do not import each other).
 */
export const invalidateGroupViews = invalidate(hostGroupsKey, anyHostKey, meKey, ['users']);
