import type { GroupRole } from '@/types/api';

export interface GroupGrant {
  user_id: number;
  username: string;
  role: GroupRole;
}

/** A host group as `GET /host-groups` answers it. */
export interface HostGroupDetail {
  id: number;
  name: string;
  description: string;
  host_count: number;
  /** Only the hosts the asking user may see. */
  host_ids: string[];
  my_role: 'admin' | GroupRole;
  /** Present for owners and admins only. */
  access?: GroupGrant[];
}
