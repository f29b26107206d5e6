import type { User, UserRole } from '@/types/api';

/** Owners and admins see and manage everything; the hub enforces it, the UI only hides what would fail. */
export function isAdministrator(user: User | null | undefined): boolean {
  return user != null && (user.role === 'owner' || user.role === 'admin');
}

export const ROLE_LABELS: Record<UserRole, string> = {
  owner: 'Owner',
  admin: 'Admin',
  member: 'Member',
};
