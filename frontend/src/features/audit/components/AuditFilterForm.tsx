import { useEffect, useState, type FormEvent } from 'react';
import { SelectField, TextField } from '@/components/ui/Field';
import { secondaryButton } from '@/components/ui/styles';
import type { AuditFilters, AuditOutcome } from '../api/get-audit-events';

interface Draft {
  action: string;
  actor: string;
  outcome: '' | AuditOutcome;
  /** `datetime-local` values, in the browser's time zone. */
  since: string;
  until: string;
}

const EMPTY: Draft = { action: '', actor: '', outcome: '', since: '', until: '' };
const TYPING_DELAY_MS = 350;

function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const ms = new Date(local).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function toFilters(draft: Draft): AuditFilters {
  const filters: AuditFilters = {};
  const action = draft.action.trim();
  const actor = draft.actor.trim();
  if (action) filters.action = action;
  if (actor) filters.actor = actor;
  if (draft.outcome) filters.outcome = draft.outcome;
  const since = toIso(draft.since);
  const until = toIso(draft.until);
  if (since) filters.since = since;
  if (until) filters.until = until;
  return filters;
}

function isOutcome(value: string): value is '' | AuditOutcome {
  return value === '' || value === 'success' || value === 'failure';
}

/** Filters apply as you type (after a short pause), or at once on Enter. */
export function AuditFilterForm({ onChange }: { onChange: (filters: AuditFilters) => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);

  useEffect(() => {
    const timer = window.setTimeout(() => onChange(toFilters(draft)), TYPING_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [draft, onChange]);

  const set = (patch: Partial<Draft>) => setDraft((current) => ({ ...current, ...patch }));

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onChange(toFilters(draft));
  };

  return (
    <form onSubmit={onSubmit} aria-label="Filter the audit log" className="grid gap-3 sm:grid-cols-2 lg:grid-cols-6">
      <TextField
        label="Action starts with"
        data-testid="audit-filter-action"
        value={draft.action}
        onChange={(e) => set({ action: e.target.value })}
        maxLength={64}
      />
      <TextField
        label="Actor (username)"
        data-testid="audit-filter-actor"
        value={draft.actor}
        onChange={(e) => set({ actor: e.target.value })}
        maxLength={150}
      />
      <SelectField
        label="Outcome"
        data-testid="audit-filter-outcome"
        value={draft.outcome}
        onChange={(e) => {
          if (isOutcome(e.target.value)) set({ outcome: e.target.value });
        }}
      >
        <option value="">Any</option>
        <option value="success">Success</option>
        <option value="failure">Failure</option>
      </SelectField>
      <TextField
        label="From"
        data-testid="audit-filter-since"
        type="datetime-local"
        value={draft.since}
        onChange={(e) => set({ since: e.target.value })}
      />
      <TextField
        label="Until"
        data-testid="audit-filter-until"
        type="datetime-local"
        value={draft.until}
        onChange={(e) => set({ until: e.target.value })}
      />
      <div className="flex items-end gap-2">
        <button type="submit" className={secondaryButton}>
          Apply
        </button>
        <button type="button" className={secondaryButton} onClick={() => setDraft(EMPTY)}>
          Clear
        </button>
      </div>
    </form>
  );
}
