import type { User, UserRole } from '@/types/api';

const ALL_ROLES: UserRole[] = ['member', 'admin', 'owner'];

/**
 * The roles `actor` may hand out: only owners create or promote owners and admins (the hub
 * enforces it; the form just does not offer what would be refused).
 */
export function assignableRoles(actor: User | null): UserRole[] {
  return actor?.role === 'owner' ? ALL_ROLES : ['member'];
}

export function isUserRole(value: string): value is UserRole {
  return (ALL_ROLES as string[]).includes(value);
}
