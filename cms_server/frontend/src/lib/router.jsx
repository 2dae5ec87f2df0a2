// The CMS's router: the shared History-API router (shared/web/router.jsx)
// under /cms/. The server answers every extension-less path under /cms/
// with cms/index.html.
import { segments as segmentsUnder } from '../../../../shared/web/router.jsx';

export { Link, navigate, usePath, useSearch } from '../../../../shared/web/router.jsx';

export const BASE = '/cms';

// Splits "/cms/users/ann" into ["users", "ann"] (without the base).
export function segments(path) {
  return segmentsUnder(path, BASE);
}

// A same-origin path to return to after login ("/cms/users", "/courses");
// anything else (another origin, "//host") gives the dashboard.
export function safeNext(next) {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return `${BASE}/`;
  return next;
}
