import { useState } from 'react';

/**
 * A table row's dialogs, one open at a time, and the note the last action left: opening a dialog
 * clears the note, finishing one closes it and says what it did.
 */
export function useRowDialogs<D extends string>() {
  const [dialog, setDialog] = useState<D | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  return {
    dialog,
    notice,
    setNotice,
    open: (which: D) => {
      setNotice(null);
      setDialog(which);
    },
    close: () => setDialog(null),
    /** A dialog's open, onClose and onDone; `done` is the note it leaves (from what onDone is given). */
    props: <A extends unknown[]>(which: D, done: string | ((...args: A) => string)) => ({
      open: dialog === which,
      onClose: () => setDialog(null),
      onDone: (...args: A) => {
        setDialog(null);
        setNotice(typeof done === 'string' ? done : done(...args));
      },
    }),
  };
}
