import { useEffect } from 'preact/hooks';

/** `Page · Lookout`, or just `Lookout` when the page has no name yet. */
export function documentTitle(page: string | null): string {
  return page ? `${page} · Lookout` : 'Lookout';
}

/** Names the tab after what the page shows (a monitor's name once it is loaded). */
export function useDocumentTitle(page: string | null): void {
  useEffect(() => {
    document.title = documentTitle(page);
  }, [page]);
}
