import { subscribeAccessLost } from '@/lib/live';
import { queryClient } from '@/lib/query-client';
import type { HostInfo } from '@/types/api';
import { fleetStore } from './fleet-store';
import { hostGroupsKey } from '@/lib/queries/host-groups';
import { hostsKey } from '@/lib/queries/hosts';

// Registered once for the tab's life, not per mounted view: a fleet page opened later must not
// show, from the cached list, hosts that the user lost access to while elsewhere.
subscribeAccessLost((lost) => {
  const gone = new Set(lost);
  queryClient.setQueryData<HostInfo[]>(hostsKey, (hosts) => hosts?.filter((h) => !gone.has(h.id)));
  fleetStore.removeHosts(gone);
  void queryClient.invalidateQueries({ queryKey: hostsKey });
  void queryClient.invalidateQueries({ queryKey: hostGroupsKey });
});
