import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import type { AppNotification } from '@/types/alerts';

const HIDE_AFTER_MS = 10_000;

const TONE: Record<string, string> = {
  critical: 'border-crit/60',
  warning: 'border-warn/60',
  resolved: 'border-ok/60',
};

interface ToastsProps {
  toasts: AppNotification[];
  onDismiss: (id: number) => void;
}

/**
 * The live region exists before any toast does, so screen readers announce each one as it arrives.
 * It lives on <body>: inside the header, whose backdrop blur makes it the containing block of
 * fixed elements, it would be pinned to the header instead of the window.
 */
export function Toasts({ toasts, onDismiss }: ToastsProps) {
  return createPortal(
    <div
      role="status"
      aria-live="polite"
      aria-label="Alert notifications"
      data-testid="toasts"
      className="pointer-events-none fixed bottom-4 right-4 z-40 flex w-[min(24rem,calc(100vw-2rem))] flex-col gap-2"
    >
      {toasts.map((toast) => (
        <Toast key={toast.id} toast={toast} onDismiss={onDismiss} />
      ))}
    </div>,
    document.body,
  );
}

function Toast({ toast, onDismiss }: { toast: AppNotification; onDismiss: (id: number) => void }) {
  // Hovering or focusing a toast holds it, so it does not vanish while being read.
  const [held, setHeld] = useState(false);

  useEffect(() => {
    if (held) return;
    const timer = setTimeout(() => onDismiss(toast.id), HIDE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [held, toast.id, onDismiss]);

  const tone = TONE[toast.event === 'resolved' ? 'resolved' : toast.severity] ?? 'border-border';
  return (
    <div
      data-testid="toast"
      data-event={toast.event}
      data-severity={toast.severity}
      data-alert-id={toast.alert ?? ''}
      onMouseEnter={() => setHeld(true)}
      onMouseLeave={() => setHeld(false)}
      onFocus={() => setHeld(true)}
      onBlur={() => setHeld(false)}
      className={`pointer-events-auto flex items-start gap-3 rounded-lg border-2 bg-surface p-3 text-sm shadow-lg ${tone}`}
    >
      <div className="min-w-0 flex-1">
        <p data-testid="toast-title" className="font-semibold text-fg">
          {toast.title}
        </p>
        <p className="mt-1 whitespace-pre-line text-xs text-muted">{toast.body}</p>
      </div>
      <button
        type="button"
        data-testid="toast-dismiss"
        aria-label="Dismiss notification"
        className="rounded px-1.5 text-muted hover:bg-surface-2 hover:text-fg"
        onClick={() => onDismiss(toast.id)}
      >
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}
