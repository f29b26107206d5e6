import { type FormEvent, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { Alert } from '@/components/ui/Alert';
import { SubmitButton, useFormFields } from '@/components/ui/Form';
import { Spinner } from '@/components/ui/Spinner';
import { isApiError } from '@/lib/api';
import { useDocumentTitle } from '@/lib/document-title';
import { useSession } from '@/lib/session';
import { useSetupStatus } from '../api/get-setup-status';
import { useLogin } from '../api/login';
import { AuthTextField } from './AuthTextField';
import { SetupForm } from './SetupForm';
import { authSubmitButton } from './styles';

function loginErrorMessage(error: unknown): string {
  if (isApiError(error)) {
    if (error.status === 401) return 'Invalid username or password';
    // The hub's lockout message says when to try again.
    if (error.status === 429) return error.message;
    if (error.status === 0) return 'Could not reach the Everyst hub. Check that it is running.';
    return error.message;
  }
  return 'Login failed. Please try again.';
}

function redirectTarget(state: unknown): string {
  if (typeof state === 'object' && state !== null && 'from' in state && typeof state.from === 'string') {
    // Only same-app paths: never bounce the user to another origin after logging in.
    if (state.from.startsWith('/') && !state.from.startsWith('//') && state.from !== '/login') return state.from;
  }
  return '/';
}

export function LoginPage() {
  const session = useSession();
  const location = useLocation();
  // Asked only once nobody is signed in: the query cache is cleared when a session ends.
  const setup = useSetupStatus(session.status === 'anonymous');
  useDocumentTitle(setup.data?.needs_owner ? 'Set up' : 'Sign in');

  if (session.status === 'authenticated') {
    return <Navigate to={redirectTarget(location.state)} replace />;
  }

  let content: ReactNode;
  if (session.status === 'restoring' || setup.isPending) {
    content = <Spinner label="Loading…" />;
  } else if (setup.data?.needs_owner) {
    content = <SetupForm />;
  } else {
    // If the hub cannot say whether setup is needed, signing in is still the likely need.
    content = <LoginForm expired={session.expired} />;
  }

  return (
    <main className="flex min-h-screen items-center justify-center bg-bg px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-center gap-2">
          <Logo />
          <span className="text-xl font-semibold tracking-tight text-fg">Everyst</span>
        </div>
        {content}
      </div>
    </main>
  );
}

function LoginForm({ expired }: { expired: boolean }) {
  const login = useLogin();
  const form = useFormFields({ username: '', password: '' });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (login.isPending) return;
    login.mutate({ username: form.values.username.trim(), password: form.values.password });
  };

  return (
    <form
      onSubmit={onSubmit}
      className="space-y-4 rounded-lg border border-border bg-surface p-6 shadow-sm"
      aria-labelledby="login-title"
    >
      <h1 id="login-title" className="text-lg font-semibold text-fg">
        Sign in
      </h1>
      {expired && !login.isError && (
        <Alert tone="info">Your session has ended. Please sign in again.</Alert>
      )}
      {login.isError && <Alert testId="login-error">{loginErrorMessage(login.error)}</Alert>}
      <AuthTextField label="Username" data-testid="login-username" name="username" autoComplete="username" autoFocus required {...form.bind('username')} />
      <AuthTextField
        label="Password"
        data-testid="login-password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        {...form.bind('password')}
      />
      <SubmitButton pending={login.isPending} labels={['Sign in', 'Signing in…']} testId="login-submit" className={authSubmitButton} />
    </form>
  );
}

function Logo() {
  return (
    <svg aria-hidden="true" viewBox="0 0 32 32" className="h-8 w-8">
      <rect width="32" height="32" rx="6" className="fill-surface-2" />
      <path d="M5 24 13 10l5 8 3-4 6 10z" className="fill-accent" />
    </svg>
  );
}
