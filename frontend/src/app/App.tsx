import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect } from 'react';
import { RouterProvider, createBrowserRouter } from 'react-router-dom';
import { Spinner } from '@/components/ui/Spinner';
import { queryClient } from '@/lib/query-client';
import { restoreSession } from '@/features/auth/api/restore-session';
import { LoginPage } from '@/features/auth/components/LoginPage';
import { RequireAuth } from '@/features/auth/components/RequireAuth';
import { AgentsPage } from '@/features/admin-agents/components/AgentsPage';
import { AccountPage } from '@/features/account/components/AccountPage';
import { AuditPage } from '@/features/audit/components/AuditPage';
import { UsersPage } from '@/features/users/components/UsersPage';
import { GroupsPage } from '@/features/groups/components/GroupsPage';
import { FleetPage } from '@/features/fleet/components/FleetPage';
import { ToolsPage } from '@/features/tools/components/ToolsPage';
import { NetworkPage } from '@/features/network/components/NetworkPage';
import { AppLayout } from './AppLayout';
import { NotFoundPage } from './NotFoundPage';

// The host page carries the charting library; the fleet overview should not wait for it.
const HostPage = lazy(() => import('@/features/hosts/components/HostPage').then((m) => ({ default: m.HostPage })));
// Rules, silences and channels are admin work: the first load of the fleet should not carry them.
const AlertsPage = lazy(() => import('@/features/alerts/components/AlertsPage').then((m) => ({ default: m.AlertsPage })));

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
      {
        path: 'hosts/:id',
        element: (
          <Suspense fallback={<Spinner label="Loading host…" />}>
            <HostPage />
          </Suspense>
        ),
      },
      { path: 'agents', element: <AgentsPage /> },
      { path: 'account', element: <AccountPage /> },
      { path: 'users', element: <UsersPage /> },
      { path: 'groups', element: <GroupsPage /> },
      { path: 'audit', element: <AuditPage /> },
      { path: 'tools', element: <ToolsPage /> },
      { path: 'network', element: <NetworkPage /> },
      {
        path: 'alerts',
        element: (
          <Suspense fallback={<Spinner label="Loading alerts…" />}>
            <AlertsPage />
          </Suspense>
        ),
      },
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
