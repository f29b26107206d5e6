import { paramEntries } from './params';

/** A job's parameters as a key/value list on one wrapping line. */
export function ParamList({ params, className = '' }: { params: Record<string, unknown>; className?: string }) {
  const entries = paramEntries(params);
  if (entries.length === 0) return null;
  return (
    <dl data-testid="job-params" aria-label="Parameters" className={`flex flex-wrap gap-x-3 gap-y-0.5 ${className}`}>
      {entries.map(([label, value]) => (
        <div key={label} className="flex min-w-0 gap-1">
          <dt>{label}:</dt>
          <dd className="break-all font-mono text-fg">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
