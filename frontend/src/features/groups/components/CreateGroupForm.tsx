import { useState, type FormEvent } from 'react';
import { FormFooter, useFormFields } from '@/components/ui/Form';
import { Panel } from '@/components/ui/Panel';
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
          mutation={create}
          failure="The host group could not be created."
          notice={created && `Host group ${created} created. Choose its hosts with “Hosts”, then grant access on the Users page.`}
          labels={['Create group', 'Creating…']}
          testIds={{ submit: 'group-create', error: 'group-create-error', notice: 'group-create-message' }}
        />
      </form>
    </Panel>
  );
}
