import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { TextField } from '@/components/ui/Field';
import { Panel } from '@/components/ui/Panel';
import { primaryButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { useCreateHostGroup } from '../api/create-host-group';

export function CreateGroupForm() {
  const create = useCreateHostGroup();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<string | null>(null);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    setCreated(null);
    create.mutate(
      { name: name.trim(), description: description.trim() },
      {
        onSuccess: (group) => {
          setCreated(group.name);
          setName('');
          setDescription('');
        },
      },
    );
  };

  return (
    <Panel title="Create a host group">
      <form onSubmit={onSubmit} aria-label="Create a host group" data-testid="group-create-form" className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField
            label="Name"
            data-testid="group-create-name"
            autoComplete="off"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <TextField
            label="Description"
            optional
            data-testid="group-create-description"
            autoComplete="off"
            maxLength={1000}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        {create.isError && (
          <Alert testId="group-create-error">{describeError(create.error, 'The host group could not be created.')}</Alert>
        )}
        {created && !create.isError && (
          <Alert tone="info" testId="group-create-message">
            Host group {created} created. Choose its hosts with “Hosts”, then grant access on the Users page.
          </Alert>
        )}
        <button type="submit" data-testid="group-create" disabled={create.isPending} className={primaryButton}>
          {create.isPending ? 'Creating…' : 'Create group'}
        </button>
      </form>
    </Panel>
  );
}
