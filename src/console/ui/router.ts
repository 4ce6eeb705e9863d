import { useEffect, useState } from 'preact/hooks';

/**
 * The console moves between its pages without loading a new document (history API): a full
 * load would lose the sign-in, which lives in this page's memory only. Links stay plain
 * `<a href>`, so they open in a new tab or window as usual.
 */
const NAVIGATED = 'console:navigated';

export const navigate = (href: string, options: { replace?: boolean } = {}): void => {
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATED));
};

const isConsolePage = (url: URL): boolean =>
  url.origin === window.location.origin &&
  /^\/console(\/|$)/.test(url.pathname) &&
  !url.pathname.startsWith('/console/assets/');

/** Takes over plain left clicks on links to the console's own pages. */
export const interceptLinks = (): void => {
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as Element | null)?.closest?.('a');
    if (!link || (link.target && link.target !== '_self') || link.hasAttribute('download')) return;
    const url = new URL(link.href, window.location.href);
    if (!isConsolePage(url)) return;
    const samePage =
      url.pathname + url.search === window.location.pathname + window.location.search;
    // A link within the page (the skip link) is the browser's to follow.
    if (samePage && url.hash !== '') return;
    event.preventDefault();
    if (!samePage) navigate(url.pathname + url.search);
  });
};

/** The current path, following `navigate` and the browser's back and forward buttons. */
export const usePath = (): string => {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const follow = () => setPath(window.location.pathname);
    window.addEventListener(NAVIGATED, follow);
    window.addEventListener('popstate', follow);
    return () => {
      window.removeEventListener(NAVIGATED, follow);
      window.removeEventListener('popstate', follow);
    };
  }, []);
  return path;
};
