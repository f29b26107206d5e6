import { useMutation } from '@tanstack/react-query';
import { apiFetch } from '@/lib/api';
import type { MailTestResult } from '@/types/alerts';

/** Sends a test e-mail now through the saved settings, to `to` or else the admin's own address. */
export function testMail(to: string): Promise<MailTestResult> {
  return apiFetch<MailTestResult>('/mail-settings/test', { method: 'POST', body: to ? { to } : {} });
}

export function useTestMail() {
  return useMutation({ mutationFn: testMail });
}
