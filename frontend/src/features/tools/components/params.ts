// A job's parameters as people read them ("ports: 1-1024 · timeout: 1 s"), not as JSON.

const SECONDS = new Set(['timeout', 'interval', 'seconds']);

function valueText(key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '–';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.map((v) => valueText('', v)).join(', ');
  if (typeof value === 'number') return SECONDS.has(key) ? `${value} s` : String(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k} ${valueText(k, v)}`)
      .join(', ');
  }
  return String(value);
}

/** [label, value] pairs in the order the agent received them. */
export function paramEntries(params: Record<string, unknown>): [string, string][] {
  return Object.entries(params).map(([key, value]) => [key.replaceAll('_', ' '), valueText(key, value)]);
}

export function formatParams(params: Record<string, unknown>): string {
  return paramEntries(params)
    .map(([label, value]) => `${label}: ${value}`)
    .join(' · ');
}
