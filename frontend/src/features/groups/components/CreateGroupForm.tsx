import { useState, type FormEvent } from 'react';
import { FormFooter, useFormFields } from '@/components/ui/Form';
import { Panel } from '@/components/ui/Panel';
import { describeError } from '@/lib/api';
import { useCreateHostGroup } from '../api/create-host-group';
import { GroupFields } from './GroupFields';

export function CreateGroupForm() {
  const create = useCreateHostGroup();
  const form = useFormFields({ name: '', description: '' });
  const [created, setCreated] = useState<string | null>(null);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (create.isPending) return;
    setCreated(null);
    create.mutate(
      { name: form.values.name.trim(), description: form.values.description.trim() },
      {
        onSuccess: (group) => {
          setCreated(group.name);
          form.reset();
        },
      },
    );
  };

  return (
    <Panel title="Create a host group">
      <form onSubmit={onSubmit} aria-label="Create a host group" data-testid="group-create-form" className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2">
          <GroupFields form={form} testIdPrefix="group-create" optionalDescription />
        </div>
        <FormFooter
          error={create.isError ? describeError(create.error, 'The host group could not be created.') : null}
          errorTestId="group-create-error"
          notice={created && `Host group ${created} created. Choose its hosts with “Hosts”, then grant access on the Users page.`}
          noticeTestId="group-create-message"
          submitLabel="Create group"
          pendingLabel="Creating…"
          submitTestId="group-create"
          pending={create.isPending}
        />
      </form>
    </Panel>
  );
}
