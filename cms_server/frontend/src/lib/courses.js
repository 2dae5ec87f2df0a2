// Courses as the editor holds them, and the conversions to and from the
// course API (docs/cms-courses.md). The form keeps text as typed (cost,
// points, dates) so the server's messages refer to what the user sees.

export const STATES = [
  { value: 'scraped', label: 'Scraped' },
  { value: 'in_review', label: 'In review' },
  { value: 'published', label: 'Published' },
  { value: 'archived', label: 'Archived' },
  { value: 'dismissed', label: 'Dismissed' },
];

export function stateLabel(s) {
  const st = STATES.find((x) => x.value === s);
  return st ? st.label : (s || '');
}

export const CPD_STATES = [
  { value: 'points', label: 'Points' },
  { value: 'tbc', label: 'To be confirmed' },
  { value: 'private', label: 'Private' },
  { value: 'na', label: 'Not applicable' },
];

// Labels of the fields, for the history ("Cost: 10 → 12").
export const FIELD_LABELS = {
  name: 'Name', provider: 'Provider', url: 'URL', cost: 'Cost', cost_varies: 'Cost varies',
  level: 'Level', level_id: 'Level', format: 'Format', format_id: 'Format',
  cpd_state: 'CPD', cpd_points: 'CPD points', is_ongoing: 'Ongoing', ongoing: 'Ongoing',
  dates: 'Dates', categories: 'Categories', category_ids: 'Categories', state: 'State',
  app_course_id: 'App course', spider_name: 'Spider', source_url: 'Source page', is_manually_added: 'Added by hand',
};

const str = (v) => (v === null || v === undefined ? '' : String(v));

// "2027-01-01T00:00:00+08:00" or "2027-01-01" → "2027-01-01" (the
// date as written, in the course's own zone).
export function dayOf(v) {
  const s = str(v);
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(s);
  return m ? m[1] : s;
}

function idOf(v) {
  if (v && typeof v === 'object') return str(v.id);
  return str(v);
}

function cpdOf(c) {
  const cpd = c.cpd && typeof c.cpd === 'object' ? c.cpd : {};
  let state = c.cpd_state || cpd.state || '';
  let points = c.cpd_points ?? cpd.points ?? null;
  if (!state) {
    if (cpd.is_private) state = 'private';
    else if (cpd.is_tbc) state = 'tbc';
    else if (cpd.is_na) state = 'na';
    else if (points !== null && points !== undefined) state = 'points';
  }
  if (state !== 'points') points = null;
  return { state, points: str(points) };
}

function costOf(c) {
  if (c.cost && typeof c.cost === 'object') return { cost: str(c.cost.cost), varies: Boolean(c.cost.isVarying ?? c.cost.varies) };
  return { cost: str(c.cost), varies: Boolean(c.cost_varies ?? c.is_cost_varying) };
}

function datesOf(c) {
  const ds = c.dates || c.date_ranges || (c.date_range ? [c.date_range] : []);
  return (Array.isArray(ds) ? ds : []).map((d) => ({ start: dayOf(d.start ?? d.start_at), end: dayOf(d.end ?? d.end_at) }));
}

function categoriesOf(c) {
  const cs = c.category_ids || c.categories || c.tags || [];
  return (Array.isArray(cs) ? cs : []).map((x) => idOf(x.vertical_category_id !== undefined ? x.vertical_category_id : x));
}

export function emptyCourse() {
  return {
    id: null, state: '', name: '', provider: '', url: '', cost: '', costVaries: false, level: '', format: '',
    cpdState: '', cpdPoints: '', ongoing: false, dates: [{ start: '', end: '' }], categories: [''],
    spider: '', duplicates: [], version: null,
  };
}

// A course from the server → the editor's form.
export function toForm(c) {
  const cost = costOf(c);
  const cpd = cpdOf(c);
  const dates = datesOf(c);
  const ongoing = Boolean(c.is_ongoing ?? c.ongoing);
  const categories = categoriesOf(c);
  return {
    id: c.id ?? null,
    state: c.state || c.status || '',
    name: str(c.name),
    provider: str(c.provider),
    url: str(c.url),
    cost: cost.cost,
    costVaries: cost.varies,
    level: idOf(c.level_id ?? c.level),
    format: idOf(c.format_id ?? c.format),
    cpdState: cpd.state,
    cpdPoints: cpd.points,
    ongoing,
    dates: dates.length ? dates : (ongoing ? [] : [{ start: '', end: '' }]),
    categories: categories.length ? categories : [''],
    spider: str(c.spider_name ?? c.spider),
    duplicates: Array.isArray(c.duplicates) ? c.duplicates : [],
    version: c.version ?? c.updated_at ?? null,
    transitions: Array.isArray(c.transitions) ? c.transitions : null,
    publishedId: c.app_course_id ?? null,
    sourceRef: c.source_ref || '',
  };
}

// A number typed in a field: sent as a number when it is one, else as
// typed (the server names what is wrong with it); empty is null.
function numberOrText(s) {
  const t = s.trim();
  if (t === '') return null;
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

const idOrNull = (s) => (s === '' ? null : (/^\d+$/.test(s) ? Number(s) : s));

// The editor's form → the body of an edit or add.
export function toPayload(f) {
  const body = {
    name: f.name.trim(),
    provider: f.provider.trim(),
    url: f.url.trim(),
    cost: f.costVaries ? null : numberOrText(f.cost),
    cost_varies: f.costVaries,
    level_id: idOrNull(f.level),
    format_id: idOrNull(f.format),
    cpd_state: f.cpdState || null,
    cpd_points: f.cpdState === 'points' ? numberOrText(f.cpdPoints) : null,
    is_ongoing: f.ongoing,
    dates: f.dates.filter((d) => d.start || d.end).map((d) => ({ start: d.start || null, end: d.end || null })),
    category_ids: f.categories.filter(Boolean).map(idOrNull),
  };
  if (f.id !== null && f.id !== undefined) body.id = f.id;
  return body;
}

// Only the members that differ from the course as loaded (edits are
// merges on the server): the audit row then names exactly what the user
// changed, and untouched dates keep their times.
export function changedPayload(initial, f) {
  const before = toPayload(initial);
  const after = toPayload(f);
  const body = {};
  for (const [k, v] of Object.entries(after)) {
    if (k === 'id' || JSON.stringify(v) !== JSON.stringify(before[k])) body[k] = v;
  }
  // CPD points go with their state.
  if ('cpd_state' in body || 'cpd_points' in body) {
    body.cpd_state = after.cpd_state;
    body.cpd_points = after.cpd_points;
  }
  if ('cost' in body || 'cost_varies' in body) {
    body.cost = after.cost;
    body.cost_varies = after.cost_varies;
  }
  return body;
}

// The server's per-field message keys for the editor's parts. A date
// row's message may come as "dates[0].end", "dates.0.end" or
// "dates[0]".
export function dateRowError(fields, i, part) {
  for (const k of [`dates[${i}].${part}`, `dates.${i}.${part}`, `dates[${i}]`, `dates.${i}`]) {
    if (fields[k]) return fields[k];
  }
  return '';
}

export const EDITOR_FIELDS = /^(name|provider|url|cost|cost_varies|level|level_id|format|format_id|cpd|cpd_state|cpd_points|is_ongoing|dates|categories|category_ids|comment)$|^dates[.[]|^(categories|category_ids)[.[]/;

// Lists of the editor: levels, formats and the category tags by
// vertical, from the course API's lists.
export function toLists(data) {
  const opt = (x) => ({ id: idOf(x), name: str(x.name ?? x.text) });
  const arr = (v) => (Array.isArray(v) ? v : []);
  const d = data || {};
  return {
    levels: arr(d.levels).map(opt),
    formats: arr(d.formats).map(opt),
    verticals: arr(d.verticals).map((v) => ({
      id: idOf(v),
      name: str(v.name ?? v.text),
      categories: arr(v.categories).map(opt),
    })),
    spiders: arr(d.spiders).map((s) => (typeof s === 'string' ? s : str(s.name))),
  };
}

// The workflow's steps open to a course: those of the server's table
// (GET /cms/api/courses/workflow) that start from the course's state and
// whose permission the user holds (the server checks again).
export function availableTransitions(course, workflow, permissions) {
  const ts = (workflow && Array.isArray(workflow.transitions)) ? workflow.transitions : [];
  return ts
    .filter((t) => Array.isArray(t.from) && t.from.includes(course.state))
    .filter((t) => !t.permission || !permissions || permissions.includes(t.permission))
    .map((t) => {
      const label = String(t.label || t.name);
      return { name: t.name, label: label.charAt(0).toUpperCase() + label.slice(1), to: t.to, primary: t.name === 'publish' };
    });
}
