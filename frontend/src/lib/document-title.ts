import { useEffect } from 'react';

const APP = 'Everyst';

/**
 * Names the browser tab after the page ("Fleet · Everyst"), so tabs and history tell pages
 * apart; `null` leaves the title to a page further down that names itself.
 */
export function useDocumentTitle(title: string | null): void {
  useEffect(() => {
    if (title !== null) document.title = title ? `${title} · ${APP}` : APP;
  }, [title]);
}
