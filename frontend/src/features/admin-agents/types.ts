// Wire types of the owner/admin enrollment API (/api/v1/enrollment-tokens, /api/v1/agents).

export interface GroupRef {
  id: number;
  name: string;
}

export interface EnrollmentToken {
  id: number;
  description: string;
  expires_at: string;
  uses_left: number;
  group: GroupRef | null;
  created_by: string | null;
  created_at: string;
  expired: boolean;
}

/** The create answer: the only time the raw token leaves the hub. */
export interface CreatedEnrollmentToken extends EnrollmentToken {
  token: string;
  ca_fingerprint: string;
  grpc_address: string;
  hub_url: string;
  install_command: string;
}

export interface AgentCredential {
  id: string;
  host: { id: string; hostname: string };
  created_at: string;
  revoked_at: string | null;
  connected: boolean;
  last_seen: string | null;
}
