// The sign-in and setup cards use larger fields and buttons than the rest of the dashboard.

export const authLabelClass = 'block text-sm font-medium text-fg';

export const authInputClass =
  'block w-full rounded-md border border-border bg-bg px-3 py-2 text-sm text-fg focus:border-accent';

export const authSubmitButton =
  'w-full rounded-md bg-accent px-3 py-2 text-sm font-semibold text-accent-fg hover:opacity-90 disabled:cursor-not-allowed disabled:opacity-50';
