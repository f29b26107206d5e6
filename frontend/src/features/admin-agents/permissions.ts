import type { User } from '@/types/api';

/** Enrollment and agent credentials are fleet-wide: owners and admins only (the hub enforces it too). */
export function canManageAgents(user: User | null): boolean {
  return user !== null && (user.role === 'owner' || user.role === 'admin');
}
