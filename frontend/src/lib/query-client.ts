import { QueryClient } from '@tanstack/react-query';
import { isApiError } from '@/lib/api';
import { getSession, subscribeSession } from '@/lib/session';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: false,
      // Client errors (not found, forbidden, …) will not change by asking again.
      retry: (failureCount, error) => {
        if (isApiError(error) && error.status >= 400 && error.status < 500) return false;
        return failureCount < 2;
      },
    },
    mutations: { retry: false },
  },
});

// Cached answers belong to the user who asked: drop them when the session ends, however it ends.
subscribeSession(() => {
  if (getSession().status === 'anonymous') queryClient.clear();
});
