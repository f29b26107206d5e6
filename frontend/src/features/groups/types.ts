// The host groups' wire types live with their query (lib/queries/host-groups.ts).
export type { GroupGrant, HostGroupDetail } from '@/lib/queries/host-groups';
