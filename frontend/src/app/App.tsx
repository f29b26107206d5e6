import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { RouterProvider, createBrowserRouter } from 'react-router-dom';
import { Spinner } from '@/components/ui/Spinner';
import { queryClient } from '@/lib/query-client';
import { restoreSession } from '@/features/auth/api/restore-session';
import { LoginPage } from '@/features/auth/components/LoginPage';
import { RequireAuth } from '@/features/auth/components/RequireAuth';
import { FleetPage } from '@/features/fleet/components/FleetPage';
import { AppLayout } from './AppLayout';
import { NotFoundPage } from './NotFoundPage';

// The host page carries the charting library; the fleet overview should not wait for it.
const HostPage = lazy(() => import('@/features/hosts/components/HostPage').then((m) => ({ default: m.HostPage })));
// Rules, silences and channels are admin work: the first load of the fleet should not carry them.
const AlertsPage = lazy(() => import('@/features/alerts/components/AlertsPage').then((m) => ({ default: m.AlertsPage })));
// The first load lands on the fleet and must stay light (under 200 KB on the wire, see
// tests/browser/test_weight.py): every other page comes when it is first opened.
const ToolsPage = lazy(() => import('@/features/tools/components/ToolsPage').then((m) => ({ default: m.ToolsPage })));
const NetworkPage = lazy(() =>
  import('@/features/network/components/NetworkPage').then((m) => ({ default: m.NetworkPage })),
);
const AgentsPage = lazy(() =>
  import('@/features/admin-agents/components/AgentsPage').then((m) => ({ default: m.AgentsPage })),
);
const AccountPage = lazy(() =>
  import('@/features/account/components/AccountPage').then((m) => ({ default: m.AccountPage })),
);
const UsersPage = lazy(() => import('@/features/users/components/UsersPage').then((m) => ({ default: m.UsersPage })));
const GroupsPage = lazy(() => import('@/features/groups/components/GroupsPage').then((m) => ({ default: m.GroupsPage })));
const AuditPage = lazy(() => import('@/features/audit/components/AuditPage').then((m) => ({ default: m.AuditPage })));

function Page({ children, label }: { children: ReactNode; label: string }) {
  return <Suspense fallback={<Spinner label={`Loading ${label}…`} />}>{children}</Suspense>;
}

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
      {
        path: 'agents',
        element: (
          <Page label="agents">
            <AgentsPage />
          </Page>
        ),
      },
      {
        path: 'account',
        element: (
          <Page label="your account">
            <AccountPage />
          </Page>
        ),
      },
      {
        path: 'users',
        element: (
          <Page label="users">
            <UsersPage />
          </Page>
        ),
      },
      {
        path: 'groups',
        element: (
          <Page label="groups">
            <GroupsPage />
          </Page>
        ),
      },
      {
        path: 'audit',
        element: (
          <Page label="the audit log">
            <AuditPage />
          </Page>
        ),
      },
      {
        path: 'tools',
        element: (
          <Page label="tools">
            <ToolsPage />
          </Page>
        ),
      },
      {
        path: 'network',
        element: (
          <Page label="the network">
            <NetworkPage />
          </Page>
        ),
      },
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
