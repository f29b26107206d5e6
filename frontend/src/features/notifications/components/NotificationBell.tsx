import { useId, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, parseIso } from '@/lib/format';
import { useDismiss } from '@/lib/use-dismiss';
import { useNotifications } from '../api/get-notifications';
import { useUnreadCount } from '../api/get-unread-count';
import { useMarkRead } from '../api/mark-read';

/** The header's bell: the unread count, and on click the newest notifications to mark read. */
export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const unread = useUnreadCount();
  const list = useNotifications(open);
  const markRead = useMarkRead();
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const count = unread.data ?? 0;

  useDismiss(open, [root], () => setOpen(false));

  return (
    <div ref={root} className="relative">
      <button
        type="button"
        data-testid="notification-bell"
        aria-label={count > 0 ? `Notifications, ${count} unread` : 'Notifications'}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        className="relative rounded-md p-1.5 text-muted hover:bg-surface-2 hover:text-fg"
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.8">
          <path d="M6 16V11a6 6 0 1 1 12 0v5l1.5 2h-15z" strokeLinejoin="round" />
          <path d="M10 20a2 2 0 0 0 4 0" />
        </svg>
        <span
          data-testid="notification-unread"
          data-count={count}
          className={`absolute -right-1 -top-1 min-w-[1.1rem] rounded-full bg-crit px-1 text-center text-[10px] font-bold leading-4 text-white ${count > 0 ? '' : 'hidden'}`}
        >
          {count > 99 ? '99+' : count}
        </span>
      </button>
      {open && (
        <div
          id={panelId}
          data-testid="notification-list"
          className="absolute right-0 top-full z-30 mt-2 w-[min(26rem,calc(100vw-2rem))] rounded-lg border border-border bg-surface shadow-lg"
        >
          <div className="flex items-center justify-between gap-2 border-b border-border px-3 py-2">
            <h2 className="text-sm font-semibold">Notifications</h2>
            <button
              type="button"
              data-testid="notification-mark-all-read"
              className={smallButton}
              disabled={count === 0 || markRead.isPending}
              onClick={() => markRead.mutate({ all: true })}
            >
              Mark all read
            </button>
          </div>
          {markRead.isError && (
            <p role="alert" className="px-3 py-2 text-xs text-crit">
              {describeError(markRead.error)}
            </p>
          )}
          <div className="max-h-96 overflow-y-auto">
            {list.isPending && <p className="px-3 py-4 text-sm text-muted">Loading…</p>}
            {list.isError && (
              <p role="alert" className="px-3 py-4 text-sm text-crit">
                Could not load notifications: {describeError(list.error)}
              </p>
            )}
            {list.data?.length === 0 && <p className="px-3 py-4 text-sm text-muted">No notifications yet.</p>}
            <ul>
              {list.data?.map((n) => (
                <li
                  key={n.id}
                  data-testid="notification-item"
                  data-read={n.read}
                  className={`flex items-start gap-2 border-b border-border px-3 py-2 last:border-b-0 ${n.read ? 'opacity-70' : ''}`}
                >
                  <span
                    aria-hidden="true"
                    className={`mt-1.5 h-2 w-2 shrink-0 rounded-full ${n.read ? 'bg-transparent' : n.severity === 'critical' ? 'bg-crit' : 'bg-warn'}`}
                  />
                  <div className="min-w-0 flex-1">
                    <p className={`text-sm ${n.read ? '' : 'font-semibold'}`}>{n.title}</p>
                    <p className="text-xs text-muted">{formatDateTime(parseIso(n.created_at))}</p>
                  </div>
                  {!n.read && (
                    <button
                      type="button"
                      data-testid="notification-mark-read"
                      className={smallButton}
                      disabled={markRead.isPending}
                      onClick={() => markRead.mutate({ ids: [n.id] })}
                    >
                      Mark read
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </div>
          <div className="border-t border-border px-3 py-2 text-right">
            <Link to="/alerts" className="text-xs text-accent hover:underline" onClick={() => setOpen(false)}>
              All alerts
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}
