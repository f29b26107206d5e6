import { useEffect } from 'react';
import { NavLink, Outlet } from 'react-router-dom';
import { LiveIndicator } from '@/components/ui/LiveIndicator';
import { startLive, stopLive } from '@/lib/live';
import { isAdministrator } from '@/lib/roles';
import { useSession } from '@/lib/session';
import { SavedThemeToggle } from '@/features/account/components/SavedThemeToggle';
import { canManageAgents } from '@/features/admin-agents/permissions';
import { LogoutButton } from '@/features/auth/components/LogoutButton';
import { NotificationCenter } from '@/features/notifications/components/NotificationCenter';
import { usePageTitle } from './page-titles';
import { useAlertFrames } from './use-alert-frames';

const navClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-md px-3 py-1.5 text-sm font-medium ${isActive ? 'bg-surface-2 text-fg' : 'text-muted hover:text-fg'}`;

/** The signed-in shell: owns the tab's live connection for as long as the session lasts. */
export function AppLayout() {
  const session = useSession();
  useAlertFrames();
  usePageTitle();

  useEffect(() => {
    startLive();
    return () => stopLive();
  }, []);

  return (
    <div className="min-h-screen bg-bg text-fg">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-surface focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-20 border-b border-border bg-surface/95 backdrop-blur">
        <div className="mx-auto flex max-w-[1600px] flex-wrap items-center gap-3 px-4 py-2">
          <NavLink to="/" className="mr-2 flex items-center gap-2 font-semibold tracking-tight text-fg">
            <svg aria-hidden="true" viewBox="0 0 32 32" className="h-6 w-6">
              <rect width="32" height="32" rx="6" className="fill-surface-2" />
              <path d="M5 24 13 10l5 8 3-4 6 10z" className="fill-accent" />
            </svg>
            Everyst
          </NavLink>
          <nav aria-label="Main" className="flex items-center gap-1">
            <NavLink to="/" end className={navClass}>
              Fleet
            </NavLink>
            <NavLink to="/tools" className={navClass} data-testid="nav-tools">
              Tools
            </NavLink>
            <NavLink to="/network" className={navClass} data-testid="nav-network">
              Network
            </NavLink>
            <NavLink to="/alerts" className={navClass} data-testid="nav-alerts">
              Alerts
            </NavLink>
            {canManageAgents(session.user) && (
              <NavLink to="/agents" className={navClass} data-testid="nav-agents">
                Agents
              </NavLink>
            )}
            {isAdministrator(session.user) && (
              <>
                <NavLink to="/users" className={navClass} data-testid="nav-users">
                  Users
                </NavLink>
                <NavLink to="/groups" className={navClass} data-testid="nav-groups">
                  Groups
                </NavLink>
                <NavLink to="/audit" className={navClass} data-testid="nav-audit">
                  Audit
                </NavLink>
              </>
            )}
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <LiveIndicator />
            <NotificationCenter />
            <SavedThemeToggle />
            {session.user && (
              <NavLink
                to="/account"
                title="Your account"
                className="hidden rounded-md px-1.5 py-0.5 text-sm text-muted hover:text-fg hover:underline sm:inline"
                data-testid="current-user"
              >
                {session.user.username}
              </NavLink>
            )}
            <LogoutButton />
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-[1600px] px-4 py-5">
        <Outlet />
      </main>
      <footer className="mx-auto max-w-[1600px] px-4 pb-6 text-xs text-muted">
        <a href="/api/docs" data-testid="api-docs-link" className="hover:text-fg hover:underline">
          API documentation
        </a>
      </footer>
    </div>
  );
}
