import type { GroupRole, HostGroup, User, UserRole } from '@/types/api';

// Every role check of the dashboard lives here: the hub enforces them all (inventory/access.py);
// the UI only hides or disables what the hub would refuse.

const ALL_ROLES: UserRole[] = ['member', 'admin', 'owner'];

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

/** Members see and operate only the host groups they are granted; owners and admins see all. */
export function hasGroupAccessList(user: User | null | undefined): boolean {
  return user != null && !isAdministrator(user);
}

/** Enrollment and agent credentials are fleet-wide: owners and admins only. */
export const canManageAgents = isAdministrator;

/** Whether the user's role on this group (as the groups list reports it) lets them operate it. */
export function operatesGroup(group: { my_role: 'admin' | 'operator' | 'viewer' }): boolean {
  return group.my_role !== 'viewer';
}

/**
 * The roles `actor` may hand out: only owners create or promote owners and admins (the form just
 * does not offer what would be refused).
 */
export function assignableRoles(actor: User | null | undefined): UserRole[] {
  return actor?.role === 'owner' ? ALL_ROLES : ['member'];
}

export function isUserRole(value: string): value is UserRole {
  return (ALL_ROLES as string[]).includes(value);
}

export function isGroupRole(value: string): value is GroupRole {
  return value === 'viewer' || value === 'operator';
}

export const ROLE_LABELS: Record<UserRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
};
