import type { ComponentProps } from 'react';
import { TextField } from '@/components/ui/Field';
import { authInputClass, authLabelClass } from './styles';

export function AuthTextField(props: ComponentProps<typeof TextField>) {
  return <TextField labelClassName={authLabelClass} inputClassName={authInputClass} {...props} />;
}
