import { useEffect, useId, useRef, useState } from 'react';
import { NavLink, useLocation } from 'react-router-dom';
import { canManageAgents, isAdministrator } from '@/lib/roles';
import { useDismiss } from '@/lib/use-dismiss';
import type { User } from '@/types/api';

interface NavEntry {
  to: string;
  label: string;
  testId: string;
  end?: boolean;
}

/** The pages this user may open, in menu order. */
export function navEntries(user: User | null): NavEntry[] {
  const entries: NavEntry[] = [
    { to: '/', label: 'Fleet', testId: 'nav-fleet', end: true },
    { to: '/tools', label: 'Tools', testId: 'nav-tools' },
    { to: '/network', label: 'Network', testId: 'nav-network' },
    { to: '/alerts', label: 'Alerts', testId: 'nav-alerts' },
  ];
  if (canManageAgents(user)) entries.push({ to: '/agents', label: 'Agents', testId: 'nav-agents' });
  if (isAdministrator(user)) {
    entries.push(
      { to: '/users', label: 'Users', testId: 'nav-users' },
      { to: '/groups', label: 'Groups', testId: 'nav-groups' },
      { to: '/audit', label: 'Audit', testId: 'nav-audit' },
    );
  }
  return entries;
}

const inlineClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-3 py-1.5 text-sm font-medium ${isActive ? 'bg-surface-2 text-fg' : 'text-muted hover:text-fg'}`;

const menuClass = ({ isActive }: { isActive: boolean }) =>
  `block rounded-md px-3 py-2 text-sm font-medium ${isActive ? 'bg-surface-2 text-fg' : 'text-muted hover:bg-surface-2 hover:text-fg'}`;

/**
 * The main navigation: a row of links on wide screens, a menu button on narrow ones (where
 * the row would make every page scroll sideways). The menu closes on Escape, on a click
 * outside it and on navigation, and gives focus back to its button when closed by key.
 */
export function MainNav({ user }: { user: User | null }) {
  const entries = navEntries(user);
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const location = useLocation();

  useEffect(() => setOpen(false), [location.pathname]);

  useEffect(() => {
    if (open) menuRef.current?.querySelector<HTMLElement>('a')?.focus();
  }, [open]);
  useDismiss(open, [menuRef, buttonRef], (by) => {
    setOpen(false);
    if (by === 'escape') buttonRef.current?.focus();
  });

  return (
    <>
      <nav aria-label="Main" className="hidden items-center gap-1 md:flex">
        {entries.map((e) => (
          <NavLink key={e.to} to={e.to} end={e.end} className={inlineClass} data-testid={e.testId}>
            {e.label}
          </NavLink>
        ))}
      </nav>
      <div className="relative md:hidden">
        <button
          ref={buttonRef}
          type="button"
          data-testid="nav-menu-button"
          aria-expanded={open}
          aria-controls={menuId}
          aria-label="Menu"
          onClick={() => setOpen((v) => !v)}
          className="rounded-md border border-border p-1.5 text-fg hover:bg-surface-2"
        >
          <svg aria-hidden="true" viewBox="0 0 20 20" className="h-5 w-5" fill="currentColor">
            {open ? (
              <path d="M5.3 4.3 10 9l4.7-4.7 1 1L11 10l4.7 4.7-1 1L10 11l-4.7 4.7-1-1L9 10 4.3 5.3z" />
            ) : (
              <path d="M3 5h14v1.5H3zm0 4.25h14v1.5H3zM3 13.5h14V15H3z" />
            )}
          </svg>
        </button>
        <div
          ref={menuRef}
          id={menuId}
          hidden={!open}
          data-testid="nav-menu"
          className="absolute left-0 top-full z-30 mt-2 w-56 max-w-[calc(100vw-2rem)] rounded-lg border border-border bg-surface p-2 shadow-lg"
        >
          <nav aria-label="Main menu">
            <ul className="space-y-0.5">
              {entries.map((e) => (
                <li key={e.to}>
                  <NavLink to={e.to} end={e.end} className={menuClass} data-testid={`${e.testId}-menu`} onClick={() => setOpen(false)}>
                    {e.label}
                  </NavLink>
                </li>
              ))}
              {user && (
                <li>
                  <NavLink to="/account" className={menuClass} data-testid="nav-account-menu" onClick={() => setOpen(false)}>
                    Account ({user.username})
                  </NavLink>
                </li>
              )}
            </ul>
          </nav>
        </div>
      </div>
    </>
  );
}
