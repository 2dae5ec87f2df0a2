// A small History-API router. The server answers every extension-less
// path with index.html, so each screen has a real URL that survives a
// reload and works with the browser's back button.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

function current() {
  return window.location.pathname.replace(/\/{2,}/g, '/');
}

export function navigate(path, { replace = false } = {}) {
  if (path === current() + window.location.search) return;
  if (replace) window.history.replaceState(null, '', path);
  else {
    window.history.pushState(null, '', path);
    window.scrollTo(0, 0);
  }
  for (const fn of listeners) fn(current());
}

window.addEventListener('popstate', () => {
  for (const fn of listeners) fn(current());
});

export function usePath() {
  const [path, setPath] = useState(current);
  useEffect(() => {
    listeners.add(setPath);
    return () => listeners.delete(setPath);
  }, []);
  return path;
}

// Splits "/review/3/role" into ["review", "3", "role"].
export function segments(path) {
  return path.split('/').filter(Boolean).map(decodeURIComponent);
}

// A same-origin link that navigates without reloading the page; a
// modified click (new tab, ...) is left to the browser.
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={onClick} {...rest}>{children}</a>;
}
