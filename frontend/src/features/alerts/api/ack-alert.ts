import { apiFetch } from '@/lib/api';
import { useCacheMutation, invalidate } from '@/lib/mutations';
import type { FiredAlert } from '@/types/alerts';

/** Acknowledges an alert: stops its repeats and records who took it (operators of its host, admins). */
export function ackAlert(id: number): Promise<FiredAlert> {
  return apiFetch<FiredAlert>(`/alerts/${encodeURIComponent(String(id))}/ack`, { method: 'POST' });
}

export function useAckAlert() {
  return useCacheMutation(ackAlert, invalidate(['alerts', 'list']));
}
