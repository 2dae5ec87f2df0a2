// A small History-API router shared by the App and the CMS (each app's
// src/lib/router.jsx re-exports it with its own base path). The server
// answers every extension-less path (under /cms/ for the CMS) with the
// app's index.html, so each screen has a real URL that survives a reload
// and works with the browser's back button.
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

// The query string, for screens that keep their state there.
export function useSearch() {
  const [search, setSearch] = useState(window.location.search);
  useEffect(() => {
    const fn = () => setSearch(window.location.search);
    listeners.add(fn);
    return () => listeners.delete(fn);
  }, []);
  return search;
}

export function usePath() {
  const [path, setPath] = useState(current);
  useEffect(() => {
    listeners.add(setPath);
    return () => listeners.delete(setPath);
  }, []);
  return path;
}

// Splits "/review/3/role" into ["review", "3", "role"]; with a base
// ("/cms"), "/cms/users/ann" into ["users", "ann"] (without the base).
export function segments(path, base = '') {
  const rest = !base ? path
    : path.startsWith(`${base}/`) ? path.slice(base.length)
    : path === base ? '/' : path;
  return rest.split('/').filter(Boolean).map(decodeURIComponent);
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
