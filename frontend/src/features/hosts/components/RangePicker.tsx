import { useId, useState, type FormEvent } from 'react';
import { smallButton } from '@/components/ui/styles';
import {
  RANGE_OPTIONS,
  customWindowError,
  fromLocalInput,
  presetRange,
  toLocalInput,
  type RangeKey,
  type TimeRange,
} from './time-range';

const DAY_MS = 24 * 3_600_000;

interface RangePickerProps {
  value: TimeRange;
  onChange: (range: TimeRange) => void;
}

const base = 'px-2.5 py-1 text-xs font-medium first:rounded-l-md last:rounded-r-md border-y border-r first:border-l border-border';
const idle = 'bg-surface text-fg hover:bg-surface-2';
const active = 'bg-accent text-accent-fg';

export function RangePicker({ value, onChange }: RangePickerProps) {
  const [editing, setEditing] = useState(value.key === 'custom');
  const shown: RangeKey = editing ? 'custom' : value.key;

  const pick = (key: RangeKey) => {
    if (key === 'custom') {
      setEditing(true);
      return;
    }
    setEditing(false);
    // Picking the current preset again moves its window to end now.
    onChange(key === 'live' ? { key: 'live' } : presetRange(key));
  };

  return (
    <div className="flex flex-wrap items-center gap-3">
      <div role="group" aria-label="Time range" data-testid="range-picker" className="inline-flex">
        {RANGE_OPTIONS.map((o) => (
          <button
            key={o.key}
            type="button"
            data-range={o.key}
            aria-pressed={shown === o.key}
            title={o.title}
            onClick={() => pick(o.key)}
            className={`${base} ${shown === o.key ? active : idle}`}
          >
            {o.label}
          </button>
        ))}
      </div>
      {editing && (
        <CustomRangeForm
          initial={value.key === 'live' ? { start: Date.now() - DAY_MS, end: Date.now() } : value.window}
          onApply={(window) => onChange({ key: 'custom', window })}
          onCancel={value.key === 'custom' ? undefined : () => setEditing(false)}
        />
      )}
    </div>
  );
}

interface CustomRangeFormProps {
  initial: { start: number; end: number };
  onApply: (window: { start: number; end: number }) => void;
  onCancel?: () => void;
}

function CustomRangeForm({ initial, onApply, onCancel }: CustomRangeFormProps) {
  const [start, setStart] = useState(() => toLocalInput(initial.start));
  const [end, setEnd] = useState(() => toLocalInput(initial.end));
  const [error, setError] = useState<string | null>(null);
  const startId = useId();
  const endId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const from = fromLocalInput(start);
    const to = fromLocalInput(end);
    const problem = customWindowError(from, to);
    setError(problem);
    if (problem === null && from !== null && to !== null) onApply({ start: from, end: to });
  };

  const input = 'rounded-md border border-border bg-surface px-2 py-1 text-xs text-fg focus:border-accent';
  return (
    <form onSubmit={submit} data-testid="range-custom" className="flex flex-wrap items-center gap-2 text-xs">
      <label htmlFor={startId} className="text-muted">
        From
      </label>
      <input id={startId} data-testid="range-start" type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} className={input} />
      <label htmlFor={endId} className="text-muted">
        to
      </label>
      <input id={endId} data-testid="range-end" type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} className={input} />
      <button type="submit" data-testid="range-apply" className={smallButton}>
        Show
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel} className={smallButton}>
          Cancel
        </button>
      )}
      {error && (
        <span role="alert" className="text-crit">
          {error}
        </span>
      )}
    </form>
  );
}
