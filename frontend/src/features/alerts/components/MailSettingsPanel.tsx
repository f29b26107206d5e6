import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { Options, SelectField, TextField } from '@/components/ui/Field';
import { SubmitButton, useFormFields } from '@/components/ui/Form';
import { secondaryButton, smallButton } from '@/components/ui/styles';
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

function isMailSecurity(value: string): value is MailSecurity {
  return SECURITY.some((s) => s.value === value);
}

/** Where a value comes from, under its field. */
function Source({ settings, field }: { settings: MailSettings; field: MailField }) {
  const saved = settings.sources[field] === 'saved';
  return (
    <span data-testid={`mail-source-${field}`} data-source={settings.sources[field]}>
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
  const form = useFormFields(
    {
      host: settings.host,
      port: String(settings.port),
      security: settings.security as string,
      username: settings.username,
      // Never prefilled: the hub does not send the password back. Empty keeps the saved one.
      password: '',
      from_address: settings.from_address,
      timeout_seconds: String(settings.timeout_seconds),
    },
    onEdit,
  );
  const [forgetPassword, setForgetPassword] = useState(false);
  const { host, port, security, username, password, from_address: fromAddress, timeout_seconds: timeout } = form.values;
  const source = (field: MailField) => <Source settings={settings} field={field} />;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (update.isPending) return;
    // Only what the admin changed is saved: untouched values keep following the environment.
    const changes: MailSettingsChange = {};
    if (host.trim() !== settings.host) changes.host = host.trim();
    if (Number(port) !== settings.port) changes.port = Number(port);
    if (security !== settings.security && isMailSecurity(security)) changes.security = security;
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
        <TextField
          label="Server"
          data-testid="mail-host"
          required
          maxLength={253}
          autoComplete="off"
          placeholder="smtp.example.com"
          hint={source('host')}
          {...form.bind('host')}
        />
        <TextField label="Port" data-testid="mail-port" type="number" required min={1} max={65535} hint={source('port')} {...form.bind('port')} />
        <SelectField label="Security" data-testid="mail-security" hint={source('security')} {...form.bind('security')}>
          <Options items={SECURITY} value={(s) => s.value} label={(s) => s.label} />
        </SelectField>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField
          label="User name"
          optional
          data-testid="mail-username"
          maxLength={254}
          autoComplete="off"
          placeholder="empty: no login"
          hint={source('username')}
          {...form.bind('username')}
        />
        <TextField
          label="Password"
          optional
          data-testid="mail-password"
          type="password"
          autoComplete="new-password"
          maxLength={1000}
          placeholder={settings.password_set ? 'set — leave empty to keep' : ''}
          disabled={forgetPassword}
          hint={
            <div className="flex flex-wrap items-center gap-x-3">
              <span data-testid="mail-password-set" data-set={settings.password_set}>
                {settings.password_set ? `set (${passwordSaved ? 'saved here' : 'from the environment'}) — never shown again` : 'not set'}
              </span>
              {passwordSaved && (
                <label className="flex items-center gap-1">
                  <input
                    type="checkbox"
                    data-testid="mail-forget-password"
                    checked={forgetPassword}
                    onChange={(e) => {
                      onEdit();
                      setForgetPassword(e.target.checked);
                    }}
                  />
                  Forget the saved password
                </label>
              )}
            </div>
          }
          {...form.bind('password')}
        />
      </div>
      {settings.password_error && <Alert testId="mail-password-error">{settings.password_error}</Alert>}
      <div className="grid gap-3 sm:grid-cols-[1fr_10rem]">
        <TextField
          label="From address"
          data-testid="mail-from"
          required
          maxLength={320}
          placeholder="Everyst <alerts@example.com>"
          hint={source('from_address')}
          {...form.bind('from_address')}
        />
        <TextField
          label="Timeout (seconds)"
          data-testid="mail-timeout"
          type="number"
          required
          min={1}
          max={300}
          hint={source('timeout_seconds')}
          {...form.bind('timeout_seconds')}
        />
      </div>
      {update.isError && <Alert testId="mail-error">{describeError(update.error, 'The mail settings could not be saved.')}</Alert>}
      <div className="flex flex-wrap items-center gap-2">
        <SubmitButton pending={update.isPending} labels={['Save mail settings', 'Saving…']} testId="mail-save" />
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
