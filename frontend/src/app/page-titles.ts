import { useLocation } from 'react-router-dom';
import { useDocumentTitle } from '@/lib/document-title';

// Static routes are named here; a host's page names itself after the host (HostPage).
const TITLES: Record<string, string> = {
  '/': 'Fleet',
  '/tools': 'Tools',
  '/network': 'Network',
  '/alerts': 'Alerts',
  '/agents': 'Agents',
  '/users': 'Users',
  '/groups': 'Host groups',
  '/audit': 'Audit log',
  '/account': 'Account',
};

export function usePageTitle(): void {
  const { pathname } = useLocation();
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  useDocumentTitle(path.startsWith('/hosts/') ? null : (TITLES[path] ?? 'Page not found'));
}
