import { Link } from 'react-router-dom';
import type { HostRef } from '../types';

/** A host's name, linking to its page. */
export function HostLink({ host }: { host: HostRef }) {
  return (
    <Link to={`/hosts/${encodeURIComponent(host.id)}`} className="font-medium hover:underline">
      {host.hostname}
    </Link>
  );
}
