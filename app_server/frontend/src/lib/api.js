// The fetch layer: the only module that talks to the App's HTTP interface
// (SPEC section 5). Every call returns parsed JSON or throws an ApiError
// carrying the server's message ({"error": ..., "fields": ...}).
//
// Requests carry same-origin credentials: on the public App there are
// none to send (and the App ignores cookies), but the CMS serves these
// pages too (the mirror, SPEC section 7) and answers them only with its
// session cookie.

export class ApiError extends Error {
  constructor(message, status, fields) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.fields = fields || null;
  }
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.append(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function getJson(path, params = {}, { signal } = {}) {
  let res;
  try {
    res = await fetch(path + query(params), {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('The server could not be reached. Check your connection and try again.', 0);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const msg = body && typeof body.error === 'string' ? body.error : `The server answered ${res.status}.`;
    throw new ApiError(msg, res.status, body && body.fields);
  }
  if (body === null) throw new ApiError('The server sent an answer that is not JSON.', res.status);
  return body;
}

// Answers {competencyId: 0|1} as query parameters (0 = Yes, 1 = No).
function answerParams(answers) {
  const out = {};
  for (const [id, v] of Object.entries(answers)) out[id] = v;
  return out;
}

// Whether these pages are the CMS's mirror with a staff member signed in:
// GET /cms/api/me answers 200 with JSON there. The public App answers
// that path with its own index.html (or an error): no banner. Never
// throws.
async function cmsSignedIn() {
  try {
    const res = await fetch('/cms/api/me', {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (res.status !== 200 || !/json/.test(res.headers.get('Content-Type') || '')) return false;
    const body = await res.json();
    return Boolean(body && typeof body.username === 'string');
  } catch {
    return false;
  }
}

export const api = {
  cmsSignedIn,
  questions: (opts) => getJson('/qns', {}, opts),
  roles: ({ vertical, org, from }, opts) =>
    getJson('/roles', { v: vertical, o: org, r: from }, opts),
  competencies: (role, opts) => getJson('/diag', { r: role }, opts),
  techCompetencies: (role, opts) => getJson('/techdiag', { r: role }, opts),
  results: ({ vertical, role, answers }, opts) =>
    getJson('/results', { v: vertical, r: role, ...answerParams(answers) }, opts),
  techResults: ({ role, answers }, opts) =>
    getJson('/techdiagresults', { r: role, ...answerParams(answers) }, opts),
  courseRecommendations: ({ vertical, category, needs }, opts) =>
    getJson('/course_recs', { v: vertical, c: category, n: needs && needs.length ? needs : undefined }, opts),
  // Browser: {sort: 0 date|1 cpd|2 cost, order: 0 asc|1 desc, from, to,
  // search, page, pageSize}. Always resolves to {total, page, page_size,
  // results}; a server without paging (bare list) is wrapped.
  browseCourses: async ({ sort, order, from, to, search, page = 1, pageSize = 50 }, opts) => {
    const body = await getJson('/course_browse', {
      s: sort, o: order, sd: from, ed: to, q: search, pg: page, ps: pageSize,
    }, opts);
    if (Array.isArray(body)) return { total: body.length, page: 1, page_size: body.length, results: body };
    return body;
  },
};
