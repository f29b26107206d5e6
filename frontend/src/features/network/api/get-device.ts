import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { DeviceDetail } from '../types';

/** A device with its ports and its history of changes. */
export function getDevice(deviceId: number, signal?: AbortSignal): Promise<DeviceDetail> {
  return apiFetch<DeviceDetail>(`/devices/${deviceId}`, { signal });
}

export function deviceQueryOptions(deviceId: number) {
  return queryOptions({ queryKey: ['network', 'device', deviceId], queryFn: ({ signal }) => getDevice(deviceId, signal) });
}

export function useDevice(deviceId: number) {
  return useQuery(deviceQueryOptions(deviceId));
}
