import { useEffect, type FormEvent } from 'react';
import { Options, SelectField, TextField } from '@/components/ui/Field';
import { useFormFields } from '@/components/ui/Form';
import { secondaryButton } from '@/components/ui/styles';
import type { AuditFilters, AuditOutcome } from '../api/get-audit-events';

/** since and until: `datetime-local` values, in the browser's time zone. */
const EMPTY = { action: '', actor: '', outcome: '', since: '', until: '' };
type Draft = typeof EMPTY;
const OUTCOMES = [
  { value: '', label: 'Any' },
  { value: 'success', label: 'Success' },
  { value: 'failure', label: 'Failure' },
];
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
  if (isOutcome(draft.outcome)) filters.outcome = draft.outcome;
  const since = toIso(draft.since);
  const until = toIso(draft.until);
  if (since) filters.since = since;
  if (until) filters.until = until;
  return filters;
}

function isOutcome(value: string): value is AuditOutcome {
  return value === 'success' || value === 'failure';
}

/** Filters apply as you type (after a short pause), or at once on Enter. */
export function AuditFilterForm({ onChange }: { onChange: (filters: AuditFilters) => void }) {
  const form = useFormFields(EMPTY);
  const draft = form.values;

  useEffect(() => {
    const timer = window.setTimeout(() => onChange(toFilters(draft)), TYPING_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [draft, onChange]);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onChange(toFilters(draft));
  };

  return (
    <form onSubmit={onSubmit} aria-label="Filter the audit log" className="grid gap-3 sm:grid-cols-2 lg:grid-cols-6">
      <TextField label="Action starts with" data-testid="audit-filter-action" maxLength={64} {...form.bind('action')} />
      <TextField label="Actor (username)" data-testid="audit-filter-actor" maxLength={150} {...form.bind('actor')} />
      <SelectField label="Outcome" data-testid="audit-filter-outcome" {...form.bind('outcome')}>
        <Options items={OUTCOMES} value={(o) => o.value} label={(o) => o.label} />
      </SelectField>
      <TextField label="From" data-testid="audit-filter-since" type="datetime-local" {...form.bind('since')} />
      <TextField label="Until" data-testid="audit-filter-until" type="datetime-local" {...form.bind('until')} />
      <div className="flex items-end gap-2">
        <button type="submit" className={secondaryButton}>
          Apply
        </button>
        <button type="button" className={secondaryButton} onClick={form.reset}>
          Clear
        </button>
      </div>
    </form>
  );
}
