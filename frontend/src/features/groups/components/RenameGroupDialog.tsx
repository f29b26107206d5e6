import type { FormEvent } from 'react';
import { Dialog, DialogFormButtons, type EditDialogProps } from '@/components/ui/Dialog';
import { useFormFields } from '@/components/ui/Form';
import { useUpdateHostGroup } from '../api/update-host-group';
import type { HostGroupDetail } from '../types';
import { GroupFields } from './GroupFields';

type RenameGroupDialogProps = EditDialogProps & { group: HostGroupDetail };

export function RenameGroupDialog({ group, open, onClose, onDone }: RenameGroupDialogProps) {
  return (
    <Dialog open={open} title={`Rename ${group.name}`} onClose={onClose} testId="group-rename-dialog">
      <RenameForm group={group} onClose={onClose} onDone={onDone} />
    </Dialog>
  );
}

/** Mounted each time the dialog opens, so it starts from the saved name. */
function RenameForm({ group, onClose, onDone }: Omit<RenameGroupDialogProps, 'open'>) {
  const update = useUpdateHostGroup();
  const form = useFormFields({ name: group.name, description: group.description });

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (update.isPending) return;
    const changes = { name: form.values.name.trim(), description: form.values.description.trim() };
    update.mutate({ id: group.id, changes }, { onSuccess: onDone });
  };

  return (
    <form onSubmit={onSubmit} className="space-y-3">
      <GroupFields form={form} testIdPrefix="group-rename" />
      <DialogFormButtons
        failure={{ of: update, text: 'The group could not be saved.', testId: 'group-rename-error' }}
        submitLabel="Save"
        submitTestId="group-rename-save"
        pending={update.isPending}
        disabled={!form.values.name.trim()}
        onCancel={onClose}
      />
    </form>
  );
}
