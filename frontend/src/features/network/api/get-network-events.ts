import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { NetworkEvent } from '../types';

/** Changes on the network, newest first; `job` narrows them to what one scan changed. */
export function getNetworkEvents(networkId: number, job: string | null, signal?: AbortSignal): Promise<NetworkEvent[]> {
  return apiFetch<NetworkEvent[]>(`/networks/${networkId}/events`, { query: { job: job ?? undefined }, signal });
}

export function networkEventsQueryOptions(networkId: number, job: string | null) {
  return queryOptions({
    queryKey: ['network', networkId, 'events', job],
    queryFn: ({ signal }) => getNetworkEvents(networkId, job, signal),
  });
}

export function useNetworkEvents(networkId: number, job: string | null) {
  return useQuery(networkEventsQueryOptions(networkId, job));
}
