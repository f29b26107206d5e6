import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useLayoutEffect } from 'react';
import { subscribeFleet } from '@/lib/live';
import type { HostInfo } from '@/types/api';
import { hostGroupsKey } from '@/lib/queries/host-groups';
import { hostsKey } from '@/lib/queries/hosts';
import { fleetStore } from '../store/fleet-store';
import '../store/access-lost';

const REFETCH_MIN_INTERVAL_MS = 5000;

/** Feeds the fleet store: the REST host list as the base, live frames on top. */
export function useFleetLive(hosts: HostInfo[] | undefined): void {
  const queryClient = useQueryClient();

  useLayoutEffect(() => {
    if (hosts) fleetStore.replaceHosts(hosts);
  }, [hosts]);

  useEffect(() => {
    let lastRefetch = 0;
    const refetchHosts = (force: boolean) => {
      // Before the first list arrives every sample is "unknown": the pending fetch covers it.
      if (queryClient.getQueryData(hostsKey) === undefined) return;
      const now = Date.now();
      if (!force && now - lastRefetch < REFETCH_MIN_INTERVAL_MS) return;
      lastRefetch = now;
      void queryClient.invalidateQueries({ queryKey: hostsKey });
    };
    return subscribeFleet((event) => {
      switch (event.type) {
        case 'sample':
          if (!fleetStore.applySample(event.hostId, event.sample)) refetchHosts(false);
          break;
        case 'host':
          fleetStore.applyHost(event.host);
          break;
        case 'resync':
          refetchHosts(true);
          void queryClient.invalidateQueries({ queryKey: hostGroupsKey });
          break;
      }
    });
  }, [queryClient]);
}
