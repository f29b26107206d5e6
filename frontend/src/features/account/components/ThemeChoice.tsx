import { Alert } from '@/components/ui/Alert';
import { Panel } from '@/components/ui/Panel';
import { describeError } from '@/lib/api';
import { setThemePreference, useThemePreference, type ThemePreference } from '@/lib/theme';
import { useUpdateProfile } from '../api/update-profile';

const CHOICES: { value: ThemePreference; label: string; hint: string }[] = [
  { value: 'system', label: 'System', hint: 'Follow the operating system' },
  { value: 'dark', label: 'Dark', hint: 'Always dark' },
  { value: 'light', label: 'Light', hint: 'Always light' },
];

export function ThemeChoice() {
  const preference = useThemePreference();
  const update = useUpdateProfile();

  const choose = (value: ThemePreference) => {
    // Applied before the hub answers: the choice is visible at once, and kept locally if saving fails.
    setThemePreference(value);
    update.mutate({ theme: value });
  };

  return (
    <Panel title="Theme">
      <fieldset className="space-y-2">
        <legend className="sr-only">Colour theme</legend>
        <div className="flex flex-wrap gap-2">
          {CHOICES.map((choice) => (
            <label
              key={choice.value}
              className={`flex cursor-pointer items-center gap-2 rounded-md border px-3 py-2 text-sm ${
                preference === choice.value ? 'border-accent bg-surface-2 text-fg' : 'border-border text-fg hover:bg-surface-2'
              }`}
            >
              <input
                type="radio"
                name="theme"
                value={choice.value}
                data-testid={`account-theme-${choice.value}`}
                checked={preference === choice.value}
                onChange={() => choose(choice.value)}
                className="accent-accent"
              />
              <span>
                <span className="font-medium">{choice.label}</span>
                <span className="block text-xs text-muted">{choice.hint}</span>
              </span>
            </label>
          ))}
        </div>
        {update.isError && (
          <Alert testId="account-theme-error">
            {describeError(update.error, 'The theme could not be saved.')} It still applies in this browser.
          </Alert>
        )}
      </fieldset>
    </Panel>
  );
}
