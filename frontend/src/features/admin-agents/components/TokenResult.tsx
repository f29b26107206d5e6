import { useEffect, useRef, useState } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Panel } from '@/components/ui/Panel';
import { secondaryButton } from '@/components/ui/styles';
import { formatDateTime, parseIso } from '@/lib/format';
import type { CreatedEnrollmentToken } from '../types';
import { EnrollmentWatch } from './EnrollmentWatch';

type CopyState = 'idle' | 'copied' | 'failed';

function selectContents(element: HTMLElement): void {
  const selection = window.getSelection();
  if (!selection) return;
  const range = document.createRange();
  range.selectNodeContents(element);
  selection.removeAllRanges();
  selection.addRange(range);
}

interface TokenResultProps {
  created: CreatedEnrollmentToken;
  onDismiss: () => void;
}

/** The one and only time the raw token is on screen: the hub keeps just its hash. */
export function TokenResult({ created, onDismiss }: TokenResultProps) {
  const commandRef = useRef<HTMLPreElement>(null);
  const [copy, setCopy] = useState<CopyState>('idle');

  useEffect(() => {
    if (copy !== 'copied') return;
    const timer = setTimeout(() => setCopy('idle'), 2500);
    return () => clearTimeout(timer);
  }, [copy]);

  const onCopy = async () => {
    try {
      // The Clipboard API exists only in secure contexts (https or localhost).
      if (!navigator.clipboard) throw new Error('clipboard unavailable');
      await navigator.clipboard.writeText(created.install_command);
      setCopy('copied');
    } catch {
      if (commandRef.current) selectContents(commandRef.current);
      setCopy('failed');
    }
  };

  const uses = created.uses_left === 1 ? '1 host' : `${created.uses_left} hosts`;

  return (
    <Panel
      title={created.host ? 'Step 2 · Replacement token created' : 'Step 2 · Enrollment token created'}
      testId="enroll-result"
      actions={
        <button type="button" onClick={onDismiss} className={secondaryButton}>
          Done
        </button>
      }
    >
      <div className="space-y-3 text-sm">
        {created.host ? (
          <Alert tone="info">
            This token is shown only once. Until {formatDateTime(parseIso(created.expires_at))}, one agent may enroll
            with it as “{created.host.hostname}”; the host’s current agent is revoked at that moment.
          </Alert>
        ) : (
          <Alert tone="info">
            This token is shown only once. It lets {uses} enroll until {formatDateTime(parseIso(created.expires_at))}
            {created.group ? ` into host group “${created.group.name}”` : ''}.
          </Alert>
        )}
        <p className="text-muted">
          Run this one line on the {created.host ? 'machine' : 'new host'} (systemd, Python 3.11 or newer, curl and
          openssl). It checks the hub against the CA fingerprint before trusting anything it downloads, installs the
          agent under <code className="font-mono text-xs">/opt/everyst-agent</code> as the{' '}
          <code className="font-mono text-xs">everyst</code> user, enrolls it and starts it.
        </p>
        {created.install_warnings.length > 0 && (
          <div
            role="note"
            data-testid="enroll-warnings"
            className="space-y-1 rounded-md border border-warn/40 bg-warn/10 px-3 py-2 text-xs text-fg"
          >
            {created.install_warnings.map((warning) => (
              <p key={warning}>{warning}</p>
            ))}
          </div>
        )}
        <pre
          ref={commandRef}
          data-testid="enroll-command"
          className="overflow-x-auto whitespace-pre-wrap break-all rounded-md border border-border bg-bg p-3 font-mono text-xs text-fg"
        >
          {created.install_command}
        </pre>
        <div className="flex flex-wrap items-center gap-3">
          <button type="button" data-testid="enroll-copy" onClick={() => void onCopy()} className={secondaryButton}>
            Copy command
          </button>
          <span aria-live="polite" className="text-xs">
            {copy === 'copied' && <span className="text-ok">Copied to the clipboard.</span>}
            {copy === 'failed' && (
              <span className="text-warn">
                This browser did not allow copying here; the command is selected, press Ctrl+C (⌘C) to copy it.
              </span>
            )}
          </span>
        </div>
        <dl className="grid gap-x-4 gap-y-1 text-xs sm:grid-cols-[max-content_1fr]">
          <dt className="text-muted">Token</dt>
          <dd className="font-mono break-all" data-testid="enroll-token">
            {created.token}
          </dd>
          <dt className="text-muted">Hub (gRPC)</dt>
          <dd className="font-mono break-all">{created.grpc_address}</dd>
          <dt className="text-muted">Hub URL</dt>
          <dd className="font-mono break-all">{created.hub_url}</dd>
          <dt className="text-muted">CA fingerprint (SHA-256)</dt>
          <dd className="font-mono break-all">{created.ca_fingerprint}</dd>
        </dl>
        <EnrollmentWatch created={created} />
      </div>
    </Panel>
  );
}
