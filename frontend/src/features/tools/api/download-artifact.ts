import { useMutation } from '@tanstack/react-query';
import { API_BASE, ApiError, refreshAccessToken } from '@/lib/api';
import { getAccessToken } from '@/lib/session';

async function fetchArtifact(jobId: string, token: string | null): Promise<Response> {
  try {
    return await fetch(`${API_BASE}/jobs/${encodeURIComponent(jobId)}/artifact`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Could not reach the Everyst hub.');
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  let message = `Download failed (HTTP ${response.status}).`;
  let code = `http_${response.status}`;
  try {
    const body: unknown = await response.json();
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const error = (body as { error: { code?: unknown; message?: unknown } }).error;
      if (typeof error.message === 'string') message = error.message;
      if (typeof error.code === 'string') code = error.code;
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, code, message);
}

/**
 * Fetches a job's pcap with the bearer token (a plain link could not send it) and hands it to the
 * browser as a download.
 */
export async function downloadArtifact(jobId: string, fallbackName: string): Promise<void> {
  let response = await fetchArtifact(jobId, getAccessToken());
  if (response.status === 401) {
    const token = await refreshAccessToken();
    if (token) response = await fetchArtifact(jobId, token);
  }
  if (!response.ok) throw await errorOf(response);
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked a little later: some browsers read the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function useDownloadArtifact() {
  return useMutation({ mutationFn: ({ jobId, name }: { jobId: string; name: string }) => downloadArtifact(jobId, name) });
}
