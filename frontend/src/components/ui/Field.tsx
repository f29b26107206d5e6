import { useId, type ChangeEvent, type ComponentProps, type ReactNode } from 'react';
import { inputClass, labelClass } from './styles';

interface FieldProps {
  label: ReactNode;
  /** Adds “(optional)” to the label. */
  optional?: boolean;
  /** Extra classes for the wrapper, e.g. its width in a row of fields. */
  className?: string;
  labelClassName?: string;
  /** A line under the input (where its value comes from, what it must be), read with the input. */
  hint?: ReactNode;
}

function FieldFrame({ id, label, optional = false, className, labelClassName = labelClass, hint, children }: FieldProps & { id: string; children: ReactNode }) {
  return (
    <div className={className ? `${className} space-y-1` : 'space-y-1'}>
      <label htmlFor={id} className={labelClassName}>
        {label}
        {optional && (
          <>
            {' '}
            <span className="font-normal text-muted">(optional)</span>
          </>
        )}
      </label>
      {children}
      {hint && (
        <div id={hintId(id)} className="text-xs text-muted">
          {hint}
        </div>
      )}
    </div>
  );
}

const hintId = (id: string) => `${id}-hint`;

type TextFieldProps = FieldProps & Omit<ComponentProps<'input'>, 'id' | 'className'> & { inputClassName?: string };

/** A labelled <input>; every other prop (value, type, data-testid, …) goes to the input. */
export function TextField({ label, optional, className, labelClassName, hint, inputClassName = inputClass, ...inputProps }: TextFieldProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} optional={optional} className={className} labelClassName={labelClassName} hint={hint}>
      <input id={id} aria-describedby={hint ? hintId(id) : undefined} {...inputProps} className={inputClassName} />
    </FieldFrame>
  );
}

type SelectFieldProps = FieldProps & Omit<ComponentProps<'select'>, 'id' | 'className'> & { inputClassName?: string };

/** A labelled <select>; the options are its children, every other prop goes to the select. */
export function SelectField({ label, optional, className, labelClassName, hint, inputClassName = inputClass, children, ...selectProps }: SelectFieldProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} optional={optional} className={className} labelClassName={labelClassName} hint={hint}>
      <select id={id} aria-describedby={hint ? hintId(id) : undefined} {...selectProps} className={inputClassName}>
        {children}
      </select>
    </FieldFrame>
  );
}

interface OptionsProps<T> {
  items: readonly T[];
  value: (item: T) => string | number;
  label: (item: T) => ReactNode;
}

/** The <option>s of a select, one per item. */
export function Options<T>({ items, value, label }: OptionsProps<T>) {
  return items.map((item) => (
    <option key={value(item)} value={value(item)}>
      {label(item)}
    </option>
  ));
}

/** A select's onChange that passes on only a value `isChoice` accepts, typed as that choice. */
export function onChoice<T extends string>(isChoice: (value: string) => value is T, choose: (value: T) => void) {
  return (event: ChangeEvent<HTMLSelectElement>) => {
    if (isChoice(event.target.value)) choose(event.target.value);
  };
}
