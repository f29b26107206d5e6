// Wire types of the owner/admin enrollment API (/api/v1/enrollment-tokens, /api/v1/agents,
// /api/v1/hosts/<id>/replace-agent) and of the refused enrollments read from /api/v1/audit.

import type * as Api from '@/types/api.gen';

export type GroupRef = Api.HostGroup;
export type HostRef = Api.HostRef;
/** A token as the list has it, with the hosts its enrollments went to, oldest first. */
export type EnrollmentToken = Api.ListedEnrollmentToken;
/** The create answer: the only time the raw token leaves the hub. */
export type CreatedEnrollmentToken = Api.CreatedEnrollmentToken;
export type AgentCredential = Api.Agent;

/** Why the hub refused an enrollment (the audit entry's `details.reason`). */
export type RefusalReason = 'missing_token' | 'unknown_token' | 'expired_token' | 'used_up_token' | 'machine_enrolled';

/** An `agent.enrollment_refused` audit entry. */
export interface RefusedEnrollment {
  id: number;
  ts: string;
  ip: string | null;
  target: { type: string; id: string; name: string };
  details: {
    reason: RefusalReason | string;
    machine_id: string;
    hostname: string;
    peer: string;
    host?: string;
    group?: string | null;
  };
}
