import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { SelectField, TextField } from '@/components/ui/Field';
import { primaryButton, secondaryButton, smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatDateTime, parseIso } from '@/lib/format';
import type { MailField, MailSecurity, MailSettings, MailSettingsChange, MailTestResult } from '@/types/alerts';
import { useMailSettings } from '../api/get-mail-settings';
import { useTestMail } from '../api/test-mail';
import { useUpdateMailSettings } from '../api/update-mail-settings';

const SECURITY: { value: MailSecurity; label: string }[] = [
  { value: 'none', label: 'None (plain SMTP)' },
  { value: 'starttls', label: 'STARTTLS (usually port 587)' },
  { value: 'tls', label: 'Implicit TLS (usually port 465)' },
];

/** Where a value comes from, under its field. */
function Source({ settings, field }: { settings: MailSettings; field: MailField }) {
  const saved = settings.sources[field] === 'saved';
  return (
    <span data-testid={`mail-source-${field}`} data-source={settings.sources[field]} className="text-xs text-muted">
      {saved ? 'saved here' : 'from the environment'}
    </span>
  );
}

/** Admins only: the hub's outgoing mail server, used by every e-mail channel and personal e-mail. */
export function MailSettingsPanel() {
  const settings = useMailSettings();
  const [saved, setSaved] = useState(false);

  return (
    <section aria-labelledby="mail-settings-title" data-testid="mail-settings" className="space-y-3 rounded-lg border border-border p-4">
      <div>
        <h2 id="mail-settings-title" className="text-base font-semibold text-fg">
          Mail (SMTP)
        </h2>
        <p className="text-sm text-muted">
          The server e-mail channels and personal e-mail go through. Values saved here override the hub's environment
          (EVERYST_EMAIL_*) at once, on every replica.
        </p>
      </div>
      {settings.isPending && <Spinner label="Loading mail settings…" />}
      {settings.isError && <Alert>Could not load the mail settings: {describeError(settings.error)}</Alert>}
      {settings.data && (
        <>
          <MailForm
            key={settings.data.updated_at ?? 'env'}
            settings={settings.data}
            onSaved={() => setSaved(true)}
            onEdit={() => setSaved(false)}
          />
          {saved && (
            <p role="status" data-testid="mail-saved" className="text-xs text-ok">
              Saved.
            </p>
          )}
          <MailTest />
        </>
      )}
    </section>
  );
}

function MailForm({ settings, onSaved, onEdit }: { settings: MailSettings; onSaved: () => void; onEdit: () => void }) {
  const update = useUpdateMailSettings();
  const [host, setHost] = useState(settings.host);
  const [port, setPort] = useState(String(settings.port));
  const [security, setSecurity] = useState<MailSecurity>(settings.security);
  const [username, setUsername] = useState(settings.username);
  // Never prefilled: the hub does not send the password back. Empty keeps the saved one.
  const [password, setPassword] = useState('');
  const [forgetPassword, setForgetPassword] = useState(false);
  const [fromAddress, setFromAddress] = useState(settings.from_address);
  const [timeout, setTimeoutSeconds] = useState(String(settings.timeout_seconds));

  const edited = <T,>(set: (value: T) => void) => (value: T) => {
    onEdit();
    set(value);
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (update.isPending) return;
    // Only what the admin changed is saved: untouched values keep following the environment.
    const changes: MailSettingsChange = {};
    if (host.trim() !== settings.host) changes.host = host.trim();
    if (Number(port) !== settings.port) changes.port = Number(port);
    if (security !== settings.security) changes.security = security;
    if (username !== settings.username) changes.username = username;
    if (fromAddress.trim() !== settings.from_address) changes.from_address = fromAddress.trim();
    if (Number(timeout) !== settings.timeout_seconds) changes.timeout_seconds = Number(timeout);
    if (password) changes.password = password;
    else if (forgetPassword) changes.password = null;
    update.mutate(changes, { onSuccess: onSaved });
  };

  const resetToEnvironment = () => {
    onEdit();
    update.mutate(
      { host: null, port: null, security: null, username: null, password: null, from_address: null, timeout_seconds: null },
      { onSuccess: onSaved },
    );
  };

  const anySaved = Object.values(settings.sources).includes('saved');
  const passwordSaved = settings.sources.password === 'saved';

  return (
    <form onSubmit={onSubmit} aria-label="Mail settings" data-testid="mail-form" className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-[1fr_8rem_14rem]">
        <div className="space-y-0.5">
          <TextField
            label="Server"
            data-testid="mail-host"
            required
            maxLength={253}
            autoComplete="off"
            placeholder="smtp.example.com"
            value={host}
            onChange={(e) => edited(setHost)(e.target.value)}
          />
          <Source settings={settings} field="host" />
        </div>
        <div className="space-y-0.5">
          <TextField
            label="Port"
            data-testid="mail-port"
            type="number"
            required
            min={1}
            max={65535}
            value={port}
            onChange={(e) => edited(setPort)(e.target.value)}
          />
          <Source settings={settings} field="port" />
        </div>
        <div className="space-y-0.5">
          <SelectField
            label="Security"
            data-testid="mail-security"
            value={security}
            onChange={(e) => edited(setSecurity)(e.target.value as MailSecurity)}
          >
            {SECURITY.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </SelectField>
          <Source settings={settings} field="security" />
        </div>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <div className="space-y-0.5">
          <TextField
            label="User name"
            optional
            data-testid="mail-username"
            maxLength={254}
            autoComplete="off"
            placeholder="empty: no login"
            value={username}
            onChange={(e) => edited(setUsername)(e.target.value)}
          />
          <Source settings={settings} field="username" />
        </div>
        <div className="space-y-0.5">
          <TextField
            label="Password"
            optional
            data-testid="mail-password"
            type="password"
            autoComplete="new-password"
            maxLength={1000}
            placeholder={settings.password_set ? 'set — leave empty to keep' : ''}
            value={password}
            disabled={forgetPassword}
            onChange={(e) => edited(setPassword)(e.target.value)}
          />
          <div className="flex flex-wrap items-center gap-x-3">
            <span data-testid="mail-password-set" data-set={settings.password_set} className="text-xs text-muted">
              {settings.password_set ? `set (${passwordSaved ? 'saved here' : 'from the environment'}) — never shown again` : 'not set'}
            </span>
            {passwordSaved && (
              <label className="flex items-center gap-1 text-xs text-muted">
                <input
                  type="checkbox"
                  data-testid="mail-forget-password"
                  checked={forgetPassword}
                  onChange={(e) => edited(setForgetPassword)(e.target.checked)}
                />
                Forget the saved password
              </label>
            )}
          </div>
        </div>
      </div>
      {settings.password_error && <Alert testId="mail-password-error">{settings.password_error}</Alert>}
      <div className="grid gap-3 sm:grid-cols-[1fr_10rem]">
        <div className="space-y-0.5">
          <TextField
            label="From address"
            data-testid="mail-from"
            required
            maxLength={320}
            placeholder="Everyst <alerts@example.com>"
            value={fromAddress}
            onChange={(e) => edited(setFromAddress)(e.target.value)}
          />
          <Source settings={settings} field="from_address" />
        </div>
        <div className="space-y-0.5">
          <TextField
            label="Timeout (seconds)"
            data-testid="mail-timeout"
            type="number"
            required
            min={1}
            max={300}
            value={timeout}
            onChange={(e) => edited(setTimeoutSeconds)(e.target.value)}
          />
          <Source settings={settings} field="timeout_seconds" />
        </div>
      </div>
      {update.isError && <Alert testId="mail-error">{describeError(update.error, 'The mail settings could not be saved.')}</Alert>}
      <div className="flex flex-wrap items-center gap-2">
        <button type="submit" data-testid="mail-save" className={primaryButton} disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save mail settings'}
        </button>
        {anySaved && (
          <button type="button" data-testid="mail-reset" className={secondaryButton} disabled={update.isPending} onClick={resetToEnvironment}>
            Use the environment's settings
          </button>
        )}
        {settings.updated_at && (
          <span className="text-xs text-muted">
            Last saved {formatDateTime(parseIso(settings.updated_at))}
            {settings.updated_by ? ` by ${settings.updated_by}` : ''}
          </span>
        )}
      </div>
    </form>
  );
}

function MailTest() {
  const test = useTestMail();
  const [to, setTo] = useState('');
  const [result, setResult] = useState<MailTestResult | { failed: string } | null>(null);

  const send = () => {
    setResult(null);
    test.mutate(to.trim(), {
      onSuccess: setResult,
      onError: (error) => setResult({ failed: describeError(error) }),
    });
  };

  return (
    <div className="space-y-1 border-t border-border pt-3">
      <div className="flex flex-wrap items-end gap-2">
        <TextField
          label="Send a test e-mail to"
          optional
          className="w-72"
          data-testid="mail-test-to"
          type="email"
          placeholder="your own address"
          value={to}
          onChange={(e) => setTo(e.target.value)}
        />
        <button type="button" data-testid="mail-test" className={smallButton} disabled={test.isPending} onClick={send}>
          {test.isPending ? 'Sending…' : 'Send a test email'}
        </button>
      </div>
      <p className="text-xs text-muted">Uses the saved settings: save your changes first.</p>
      {result !== null && <MailTestOutcome result={result} />}
    </div>
  );
}

function MailTestOutcome({ result }: { result: MailTestResult | { failed: string } }) {
  const delivered = 'delivered' in result && result.delivered;
  const error = 'failed' in result ? result.failed : result.error;
  return (
    <p
      role="status"
      data-testid="mail-test-result"
      data-state={delivered ? 'delivered' : 'failed'}
      className={`whitespace-normal text-sm ${delivered ? 'text-ok' : 'text-crit'}`}
    >
      {delivered && 'to' in result ? `Test email sent to ${result.to}.` : `Not sent: ${error ?? 'unknown error'}`}
    </p>
  );
}
