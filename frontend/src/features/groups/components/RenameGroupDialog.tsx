import { useState, type FormEvent } from 'react';
import { Dialog, DialogFormButtons } from '@/components/ui/Dialog';
import { TextField } from '@/components/ui/Field';
import { describeError } from '@/lib/api';
import { useUpdateHostGroup } from '../api/update-host-group';
import type { HostGroupDetail } from '../types';

interface RenameGroupDialogProps {
  group: HostGroupDetail;
  open: boolean;
  onClose: () => void;
  onDone: () => void;
}

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
  const [name, setName] = useState(group.name);
  const [description, setDescription] = useState(group.description);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (update.isPending) return;
    update.mutate({ id: group.id, changes: { name: name.trim(), description: description.trim() } }, { onSuccess: onDone });
  };

  return (
    <form onSubmit={onSubmit} className="space-y-3">
      <TextField
        label="Name"
        data-testid="group-rename-name"
        autoComplete="off"
        required
        maxLength={100}
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <TextField
        label="Description"
        data-testid="group-rename-description"
        autoComplete="off"
        maxLength={1000}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
      />
      {update.isError && (
        <p role="alert" data-testid="group-rename-error" className="text-sm text-crit">
          {describeError(update.error, 'The group could not be saved.')}
        </p>
      )}
      <DialogFormButtons submitLabel="Save" submitTestId="group-rename-save" pending={update.isPending} disabled={!name.trim()} onCancel={onClose} />
    </form>
  );
}
