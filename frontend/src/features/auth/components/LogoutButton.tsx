import { useNavigate } from 'react-router-dom';
import { useLogout } from '../api/logout';

export function LogoutButton() {
  const logout = useLogout();
  const navigate = useNavigate();
  return (
    <button
      type="button"
      data-testid="logout"
      disabled={logout.isPending}
      onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })}
      className="rounded-md border border-border px-3 py-1.5 text-sm text-fg hover:bg-surface-2 disabled:opacity-50"
    >
      Log out
    </button>
  );
}
