import type { HostGroup, User, UserRole } from '@/types/api';

/** Owners and admins see and manage everything; the hub enforces it, the UI only hides what would fail. */
export function isAdministrator(user: User | null | undefined): boolean {
  return user != null && (user.role === 'owner' || user.role === 'admin');
}

/** The ids of the groups the user operates (needs the `access` list of `/auth/me`). */
export function operatedGroupIds(user: User | null | undefined): Set<number> {
  return new Set((user?.access ?? []).filter((a) => a.role === 'operator').map((a) => a.group_id));
}

/**
 * Mirrors the hub's rule (inventory/access.py): administrators, or operators of one of the
 * host's groups, run tools on a host and acknowledge its alerts.
 */
export function canOperateHost(user: User | null | undefined, host: { groups: HostGroup[] } | null | undefined): boolean {
  if (!user || !host) return false;
  if (isAdministrator(user)) return true;
  const operated = operatedGroupIds(user);
  return host.groups.some((g) => operated.has(g.id));
}

/** Admins, and operators of at least one group, manage alert rules and silences (within scope). */
export function canManageAlerts(user: User | null | undefined): boolean {
  return isAdministrator(user) || operatedGroupIds(user).size > 0;
}

/**
 * May the user manage a rule or silence of this scope? Every host (no host, no group): admins
 * only; a group: its operators; a host: operators of one of its groups (mirrors alerts/services.py).
 */
export function canManageAlertScope(
  user: User | null | undefined,
  scope: { host: { groups: HostGroup[] } | null; group: number | null; global: boolean },
): boolean {
  if (isAdministrator(user)) return true;
  if (scope.global) return false;
  if (scope.group !== null) return operatedGroupIds(user).has(scope.group);
  return canOperateHost(user, scope.host);
}

export const ROLE_LABELS: Record<UserRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
};
