import { describe, expect, it } from 'vitest';
import type { User, UserRole } from '@/types/api';
import {
  assignableRoles,
  canManageAgents,
  canManageAlerts,
  canManageAlertScope,
  canOperateHost,
  hasGroupAccessList,
  isAdministrator,
  isGroupRole,
  isUserRole,
  operatesGroup,
} from './roles';

function user(role: UserRole, access: { group_id: number; role: 'viewer' | 'operator' }[] = []): User {
  return {
    id: 1,
    username: role,
    email: '',
    first_name: '',
    last_name: '',
    role,
    theme: 'system',
    is_active: true,
    last_login: null,
    date_joined: '2026-01-01T00:00:00Z',
    access: access.map((a) => ({ ...a, group: `group ${a.group_id}` })),
  };
}

const owner = user('owner');
const admin = user('admin');
// Operator of group 1, viewer of group 2: the shared named users of the hub's tests.
const member = user('member', [
  { group_id: 1, role: 'operator' },
  { group_id: 2, role: 'viewer' },
]);
const hostInGroup = (id: number) => ({ groups: [{ id, name: `group ${id}` }] });

describe('roles', () => {
  it('owners and admins administer the fleet, members do not, nobody signed out does', () => {
    expect([owner, admin, member, null].map(isAdministrator)).toEqual([true, true, false, false]);
    expect([owner, admin, member, null].map(canManageAgents)).toEqual([true, true, false, false]);
  });

  it('only members have a list of group grants', () => {
    expect([owner, admin, member, null].map(hasGroupAccessList)).toEqual([false, false, true, false]);
  });

  it('an operator of one of the host groups operates the host, a viewer does not', () => {
    expect(canOperateHost(member, hostInGroup(1))).toBe(true);
    expect(canOperateHost(member, hostInGroup(2))).toBe(false);
    expect(canOperateHost(member, hostInGroup(3))).toBe(false);
    expect(canOperateHost(admin, hostInGroup(3))).toBe(true);
    expect(canOperateHost(member, null)).toBe(false);
  });

  it('alert scopes: every host for administrators only, a group for its operators', () => {
    const global = { host: null, group: null, global: true };
    expect(canManageAlertScope(admin, global)).toBe(true);
    expect(canManageAlertScope(member, global)).toBe(false);
    expect(canManageAlertScope(member, { host: null, group: 1, global: false })).toBe(true);
    expect(canManageAlertScope(member, { host: null, group: 2, global: false })).toBe(false);
    expect(canManageAlertScope(member, { host: hostInGroup(1), group: null, global: false })).toBe(true);
    expect(canManageAlerts(member)).toBe(true);
    expect(canManageAlerts(user('member', [{ group_id: 2, role: 'viewer' }]))).toBe(false);
  });

  it('only owners hand out the owner and admin roles', () => {
    expect(assignableRoles(owner)).toEqual(['member', 'admin', 'owner']);
    expect(assignableRoles(admin)).toEqual(['member']);
    expect(assignableRoles(null)).toEqual(['member']);
  });

  it('a group role of viewer does not operate; operator and admin do', () => {
    expect(operatesGroup({ my_role: 'viewer' })).toBe(false);
    expect(operatesGroup({ my_role: 'operator' })).toBe(true);
    expect(operatesGroup({ my_role: 'admin' })).toBe(true);
  });

  it('tells role names from other strings', () => {
    expect(['owner', 'admin', 'member', 'root'].map(isUserRole)).toEqual([true, true, true, false]);
    expect(['viewer', 'operator', 'admin'].map(isGroupRole)).toEqual([true, true, false]);
  });

  it('no role is compared outside this module', () => {
    const sources = import.meta.glob(['../**/*.ts', '../**/*.tsx', '!../**/*.test.ts', '!../**/*.gen.ts', '!./roles.ts'], {
      query: '?raw',
      import: 'default',
      eager: true,
    });
    const names = 'owner|admin|member|viewer|operator';
    const check = new RegExp(`\\b(my_)?role\\s*[!=]==?\\s*'(${names})'|'(${names})'\\s*[!=]==?\\s*[\\w.?]*role\\b`);
    const offenders = Object.entries(sources)
      .filter(([, text]) => check.test(String(text)))
      .map(([path]) => path);
    expect(Object.keys(sources).length).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
    expect(check.test("(a) => a.role === 'operator'")).toBe(true);
  });
});
