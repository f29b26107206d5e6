import { useEffect } from 'react';
import { NavLink, Outlet } from 'react-router-dom';
import { LiveIndicator } from '@/components/ui/LiveIndicator';
import { startLive, stopLive } from '@/lib/live';
import { useSession } from '@/lib/session';
import { SavedThemeToggle } from '@/features/account/components/SavedThemeToggle';
import { LogoutButton } from '@/features/auth/components/LogoutButton';
import { NotificationCenter } from '@/features/notifications/components/NotificationCenter';
import { MainNav } from './MainNav';
import { usePageTitle } from './page-titles';
import { useAlertFrames } from './use-alert-frames';

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
          <MainNav user={session.user} />
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
