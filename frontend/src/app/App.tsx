import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { RouterProvider, createBrowserRouter } from 'react-router-dom';
import { Spinner } from '@/components/ui/Spinner';
import { queryClient } from '@/lib/query-client';
import { restoreSession } from '@/features/auth/api/restore-session';
import { LoginPage } from '@/features/auth/components/LoginPage';
import { RequireAuth } from '@/features/auth/components/RequireAuth';
import { FleetPage } from '@/features/fleet/components/FleetPage';
import { AppLayout } from './AppLayout';
import { NotFoundPage } from './NotFoundPage';

/** A page loaded when it is first opened: `load` imports its module, `name` is the component it exports. */
function lazyPage<M, K extends keyof M>(load: () => Promise<M>, name: K) {
  return lazy(() => load().then((module) => ({ default: module[name] as ComponentType })));
}

// The first load lands on the fleet and must stay light (under 200 KB on the wire, see
// tests/browser/test_weight.py): every other page comes when it is first opened. The host page
// carries the charting library; rules, silences and channels are admin work.
const PAGES = [
  { path: 'hosts/:id', label: 'host', Page: lazyPage(() => import('@/features/hosts/components/HostPage'), 'HostPage') },
  { path: 'agents', label: 'agents', Page: lazyPage(() => import('@/features/admin-agents/components/AgentsPage'), 'AgentsPage') },
  { path: 'account', label: 'your account', Page: lazyPage(() => import('@/features/account/components/AccountPage'), 'AccountPage') },
  { path: 'users', label: 'users', Page: lazyPage(() => import('@/features/users/components/UsersPage'), 'UsersPage') },
  { path: 'groups', label: 'groups', Page: lazyPage(() => import('@/features/groups/components/GroupsPage'), 'GroupsPage') },
  { path: 'audit', label: 'the audit log', Page: lazyPage(() => import('@/features/audit/components/AuditPage'), 'AuditPage') },
  { path: 'tools', label: 'tools', Page: lazyPage(() => import('@/features/tools/components/ToolsPage'), 'ToolsPage') },
  { path: 'network', label: 'the network', Page: lazyPage(() => import('@/features/network/components/NetworkPage'), 'NetworkPage') },
  { path: 'alerts', label: 'alerts', Page: lazyPage(() => import('@/features/alerts/components/AlertsPage'), 'AlertsPage') },
];

const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    element: (
      <RequireAuth>
        <AppLayout />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <FleetPage /> },
      ...PAGES.map(({ path, label, Page }) => ({
        path,
        element: (
          <Suspense fallback={<Spinner label={`Loading ${label}…`} />}>
            <Page />
          </Suspense>
        ),
      })),
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

export function App() {
  useEffect(() => {
    void restoreSession();
  }, []);

  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
