import type { Host, Sample } from '@/types/api';

/** A host as GET /hosts lists it, for the fleet store's tests: online, facts left empty. */
export function listedHost(id: string, latest: Sample | null, fields: Partial<Host> = {}): Host {
  return {
    id,
    hostname: id,
    os: '',
    addresses: [],
    groups: [],
    online: true,
    last_seen: null,
    collect_interval_ms: 1000,
    latest,
    ...fields,
  } as unknown as Host;
}
