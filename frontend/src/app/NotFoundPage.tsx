import { Link } from 'react-router-dom';

export function NotFoundPage() {
  return (
    <div className="space-y-2 py-10 text-center">
      <h1 className="text-xl font-semibold text-fg">Page not found</h1>
      <p className="text-sm text-muted">There is nothing at this address.</p>
      <Link to="/" className="text-sm text-accent hover:underline">
        Back to the fleet
      </Link>
    </div>
  );
}
