import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';

export interface ChannelTestResult {
  delivered: boolean;
  error: string | null;
}

/** Sends a test message through the channel now and says whether it went out. */
export function testChannel(id: number): Promise<ChannelTestResult> {
  return apiFetch<ChannelTestResult>(`/notification-channels/${encodeURIComponent(String(id))}/test`, { method: 'POST' });
}

export function useTestChannel() {
  return useMutation({ mutationFn: testChannel });
}
