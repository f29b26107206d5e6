import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Options, SelectField, TextField } from '@/components/ui/Field';
import { Panel } from '@/components/ui/Panel';
import { primaryButton } from '@/components/ui/styles';
import { isApiError } from '@/lib/api';
import type { CreatedEnrollmentToken } from '../types';
import { useCreateEnrollmentToken } from '../api/create-enrollment-token';

const EXPIRY_OPTIONS = [
  { minutes: 15, label: '15 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 24 * 60, label: '1 day' },
  { minutes: 7 * 24 * 60, label: '7 days' },
  { minutes: 30 * 24 * 60, label: '30 days' },
] as const;

const MAX_USES = 1000;

function errorMessage(error: unknown): string {
  if (isApiError(error)) return error.message;
  return 'Could not create the enrollment token.';
}

interface CreateTokenFormProps {
  onCreated: (created: CreatedEnrollmentToken) => void;
}

export function CreateTokenForm({ onCreated }: CreateTokenFormProps) {
  const create = useCreateEnrollmentToken();
  const [description, setDescription] = useState('');
  const [expiresMinutes, setExpiresMinutes] = useState(60);
  const [uses, setUses] = useState('1');
  const [groupName, setGroupName] = useState('');

  const usesNumber = Number(uses);
  const usesValid = Number.isInteger(usesNumber) && usesNumber >= 1 && usesNumber <= MAX_USES;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending || !usesValid) return;
    const group = groupName.trim();
    create.mutate(
      {
        description: description.trim(),
        expires_minutes: expiresMinutes,
        uses: usesNumber,
        ...(group ? { group_name: group } : {}),
      },
      {
        onSuccess: (created) => {
          setDescription('');
          setGroupName('');
          onCreated(created);
        },
      },
    );
  };

  return (
    <Panel title="Step 1 · New enrollment token">
      <form onSubmit={onSubmit} className="space-y-3" aria-label="New enrollment token">
        {create.isError && <Alert>{errorMessage(create.error)}</Alert>}
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <TextField
            label="Description"
            value={description}
            maxLength={200}
            onChange={(e) => setDescription(e.target.value)}
            placeholder="e.g. web servers"
          />
          <SelectField label="Valid for" value={expiresMinutes} onChange={(e) => setExpiresMinutes(Number(e.target.value))}>
            <Options items={EXPIRY_OPTIONS} value={(o) => o.minutes} label={(o) => o.label} />
          </SelectField>
          <TextField
            label="Uses (hosts that may enroll)"
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_USES}
            step={1}
            required
            value={uses}
            onChange={(e) => setUses(e.target.value)}
            aria-invalid={!usesValid}
          />
          <TextField
            label="Host group (optional, created if new)"
            value={groupName}
            maxLength={100}
            onChange={(e) => setGroupName(e.target.value)}
          />
        </div>
        <div className="flex items-center gap-3">
          <button type="submit" data-testid="enroll-create" disabled={create.isPending || !usesValid} className={primaryButton}>
            {create.isPending ? 'Creating…' : 'Create token'}
          </button>
          {!usesValid && <span className="text-xs text-crit">Uses must be a whole number from 1 to {MAX_USES}.</span>}
        </div>
      </form>
    </Panel>
  );
}
