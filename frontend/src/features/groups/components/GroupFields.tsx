import { TextField } from '@/components/ui/Field';
import type { useFormFields } from '@/components/ui/Form';

type GroupForm = ReturnType<typeof useFormFields<{ name: string; description: string }>>;

/** A host group's name and description, as created and as renamed. */
export function GroupFields({ form, testIdPrefix, optionalDescription = false }: { form: GroupForm; testIdPrefix: string; optionalDescription?: boolean }) {
  return (
    <>
      <TextField label="Name" data-testid={`${testIdPrefix}-name`} autoComplete="off" required maxLength={100} {...form.bind('name')} />
      <TextField
        label="Description"
        optional={optionalDescription}
        data-testid={`${testIdPrefix}-description`}
        autoComplete="off"
        maxLength={1000}
        {...form.bind('description')}
      />
    </>
  );
}
