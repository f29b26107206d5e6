import { refreshAccessToken } from '@/lib/api';
import { endSession, getSession, startSession } from '@/lib/session';
import { getMe } from './get-me';

let restoring: Promise<void> | null = null;

/**
 * On page load the access token is gone (it only ever lived in memory), but the refresh cookie
 * may still be valid: trade it silently so a reload keeps the user logged in.
 */
export function restoreSession(): Promise<void> {
  restoring ??= (async () => {
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
      if (getSession().status !== 'authenticated') endSession(false);
    }
  })();
  return restoring;
}
