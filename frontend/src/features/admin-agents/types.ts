// Wire types of the owner/admin enrollment API (/api/v1/enrollment-tokens, /api/v1/agents,
// /api/v1/hosts/<id>/replace-agent) and of the refused enrollments read from /api/v1/audit.

export interface GroupRef {
  id: number;
  name: string;
}

export interface HostRef {
  id: string;
  hostname: string;
}

export interface EnrollmentToken {
  id: number;
  description: string;
  expires_at: string;
  uses_left: number;
  group: GroupRef | null;
  /** Set on a "Replace agent" token: it enrolls onto this host only, revoking its current agent. */
  host: HostRef | null;
  created_by: string | null;
  created_at: string;
  expired: boolean;
  /** The hosts this token's enrollments went to, oldest first (on the list; absent from the create answer). */
  enrolled_hosts?: HostRef[];
}

/** The create answer: the only time the raw token leaves the hub. */
export interface CreatedEnrollmentToken extends EnrollmentToken {
  token: string;
  ca_fingerprint: string;
  grpc_address: string;
  hub_url: string;
  /** One line: curl <hub>/install.sh | sudo sh -s -- --token … --ca-fingerprint … */
  install_command: string;
  /** Why the command may not work, or not safely, from another machine (public URL unset, loopback, HTTP). */
  install_warnings: string[];
}

export interface AgentCredential {
  id: string;
  host: HostRef;
  created_at: string;
  revoked_at: string | null;
  connected: boolean;
  last_seen: string | null;
}

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
