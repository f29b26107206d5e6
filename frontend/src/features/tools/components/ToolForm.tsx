import { useId } from 'react';
import { inputClass, labelClass } from '@/components/ui/styles';
import type { Field, FormValue, FormValues, ToolSpec } from '../tool-specs';

interface ToolFormProps {
  spec: ToolSpec;
  values: FormValues;
  errors: Record<string, string>;
  disabled: boolean;
  onChange: (name: string, value: FormValue) => void;
}

const PORT_MODE_LABEL: Record<string, string> = { top: 'Most common', list: 'List' };

function FieldInput({ field, value, error, disabled, onChange, id }: {
  field: Field;
  value: FormValue | undefined;
  error: string | undefined;
  disabled: boolean;
  onChange: (value: FormValue) => void;
  id: string;
}) {
  const describedBy = error ? `${id}-error` : field.help ? `${id}-help` : undefined;
  const common = { id, disabled, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, 'data-field': field.name };
  const text = typeof value === 'string' ? value : '';
  switch (field.kind) {
    case 'checkbox':
      return (
        <label className="flex items-center gap-2 pt-5 text-sm text-fg">
          <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          {field.label}
        </label>
      );
    case 'multi': {
      const chosen = Array.isArray(value) ? value : [];
      return (
        <fieldset {...common} className="flex flex-wrap gap-x-3 gap-y-1 pt-1">
          <legend className={labelClass}>{field.label}</legend>
          {field.options.map((option) => (
            <label key={option} className="flex items-center gap-1 text-sm text-fg">
              <input
                type="checkbox"
                disabled={disabled}
                checked={chosen.includes(option)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...chosen, option] : chosen.filter((c) => c !== option))
                }
              />
              {option}
            </label>
          ))}
        </fieldset>
      );
    }
    case 'select':
      return (
        <select {...common} className={inputClass} value={text} onChange={(e) => onChange(e.target.value)}>
          {field.options.map((option) => (
            <option key={option} value={option}>
              {PORT_MODE_LABEL[option] && field.name === 'port_mode' ? PORT_MODE_LABEL[option] : option}
            </option>
          ))}
        </select>
      );
    case 'number':
      return (
        <input
          {...common}
          className={inputClass}
          type="number"
          inputMode={field.integer ? 'numeric' : 'decimal'}
          min={field.min}
          max={field.max}
          step={field.integer ? 1 : 'any'}
          placeholder={field.optional ? 'none' : undefined}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'targets':
    case 'ports':
    case 'text':
      return (
        <input
          {...common}
          className={inputClass}
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder={field.placeholder}
          maxLength={field.kind === 'text' ? field.maxLength : 4000}
          required={field.kind === 'ports' || field.required}
          value={text}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}

export function ToolForm({ spec, values, errors, disabled, onChange }: ToolFormProps) {
  const base = useId();
  const wide = (field: Field) => field.kind === 'targets' || field.kind === 'multi' || (field.kind === 'text' && field.name === 'filter');
  return (
    <div data-testid="tool-form" data-tool={spec.name} className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
      {spec.fields
        .filter((field) => field.when === undefined || field.when(values))
        .map((field) => {
          const id = `${base}-${field.name}`;
          const error = errors[field.name];
          return (
            <div key={field.name} className={wide(field) ? 'sm:col-span-2' : ''}>
              {field.kind !== 'checkbox' && field.kind !== 'multi' && (
                <label htmlFor={id} className={`${labelClass} mb-1`}>
                  {field.label}
                </label>
              )}
              <FieldInput
                field={field}
                value={values[field.name]}
                error={error}
                disabled={disabled}
                onChange={(value) => onChange(field.name, value)}
                id={id}
              />
              {error ? (
                <p id={`${id}-error`} data-testid="tool-field-error" className="mt-1 text-xs text-crit">
                  {error}
                </p>
              ) : (
                field.help && (
                  <p id={`${id}-help`} className="mt-1 text-xs text-muted">
                    {field.help}
                  </p>
                )
              )}
            </div>
          );
        })}
    </div>
  );
}
