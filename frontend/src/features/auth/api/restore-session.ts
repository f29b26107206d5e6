import { refreshAccessToken } from '@/lib/api';
import { endSession, getSession, maySignInSilently, startSession } from '@/lib/session';
import { getMe } from '@/lib/queries/me';

let restoring: Promise<void> | null = null;

/**
 * On page load the access token is gone (it only ever lived in memory), but the refresh cookie
 * may still be valid: trade it silently so a reload keeps the user logged in.
 */
export function restoreSession(): Promise<void> {
  restoring ??= (async () => {
    if (!maySignInSilently()) {
      endSession(false);
      return;
    }
    try {
      const token = await refreshAccessToken();
      if (!token) {
        endSession(false);
        return;
      }
      const user = await getMe();
      // A login that finished meanwhile wins over the restore.
      if (getSession().status !== 'authenticated') startSession(token, user);
    } catch {
      // The hub is unreachable or failing: the cookie may still be good on the next load.
      if (getSession().status !== 'authenticated') endSession(false, true);
    }
  })();
  return restoring;
}
