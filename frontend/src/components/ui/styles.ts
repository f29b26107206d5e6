// Class names shared by forms, tables and dialogs across features.

export const primaryButton =
  'rounded-md bg-accent px-3 py-1.5 text-sm font-semibold text-accent-fg hover:opacity-90 disabled:cursor-not-allowed disabled:opacity-50';

export const secondaryButton =
  'rounded-md border border-border px-3 py-1.5 text-sm text-fg hover:bg-surface-2 disabled:cursor-not-allowed disabled:opacity-50';

export const smallButton =
  'rounded-md border border-border px-2.5 py-1 text-xs font-medium text-fg hover:bg-surface-2 disabled:cursor-not-allowed disabled:opacity-50';

export const dangerButton =
  'rounded-md border border-crit/50 px-2.5 py-1 text-xs font-medium text-crit hover:bg-crit/10 disabled:cursor-not-allowed disabled:opacity-50';

export const inputClass =
  'block w-full rounded-md border border-border bg-bg px-3 py-1.5 text-sm text-fg placeholder:text-muted focus:border-accent disabled:opacity-50';

export const labelClass = 'block text-xs font-medium text-muted';

export const tableClass = 'w-full min-w-[720px] border-collapse text-left text-sm';

export const thClass = 'border-b border-border px-2 py-2 text-xs font-semibold uppercase tracking-wide text-muted';

export const tdClass = 'border-b border-border px-2 py-2 align-top text-fg';
