import { formatDateTime } from '@/lib/format';
import { useRelativeTime } from '@/lib/relative-time';

/** "32 s ago" that keeps counting, with the exact time on hover and for assistive technology. */
export function RelativeTime({ ts, testId }: { ts: number | null | undefined; testId?: string }) {
  const text = useRelativeTime(ts);
  if (ts === null || ts === undefined) return <span data-testid={testId}>{text}</span>;
  return (
    <time data-testid={testId} dateTime={new Date(ts).toISOString()} title={formatDateTime(ts)}>
      {text}
    </time>
  );
}
