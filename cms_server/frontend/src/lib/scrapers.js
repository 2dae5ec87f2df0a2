// The Scrapers page's reading of the jobs API (docs/scraper-jobs.md):
// spiders with their last job, a job with its counts and log lines, the
// proposed refreshes of published courses. Each answer is turned into
// one plain shape here, so the screens never guess at member names.
import { dayOf } from './courses.js';

export const COUNTS = [
  { key: 'found', label: 'Found' },
  { key: 'new', label: 'New' },
  { key: 'updated', label: 'Updated' },
  { key: 'removed', label: 'Removed' },
  { key: 'skipped', label: 'Skipped' },
  { key: 'errors', label: 'Errors' },
  { key: 'proposed', label: 'Proposed' },
];

const STATE_LABELS = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function stateLabel(s) {
  if (!s) return 'Never run';
  return STATE_LABELS[s] || s.charAt(0).toUpperCase() + s.slice(1);
}

// A job still going: the page polls it and offers Cancel.
export const isActive = (state) => state === 'queued' || state === 'running';

const num = (v) => (Number.isFinite(v) ? v : (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null));
const arr = (v) => (Array.isArray(v) ? v : []);

function countsOf(j) {
  const c = j.counts && typeof j.counts === 'object' ? j.counts : j;
  const out = {};
  for (const { key } of COUNTS) {
    out[key] = num(c[key] ?? c[`${key}_count`] ?? (key === 'new' ? c.inserted : undefined));
  }
  return out;
}

// {done, total} or a fraction, from whatever the job carries.
function progressOf(j) {
  const p = j.progress;
  if (p && typeof p === 'object') {
    return { done: num(p.done ?? p.fetched ?? p.current ?? p.pages_done), total: num(p.total ?? p.pages_total), text: typeof p.text === 'string' ? p.text : (typeof p.message === 'string' ? p.message : '') };
  }
  if (Number.isFinite(p)) return p <= 1 ? { done: Math.round(p * 100), total: 100, text: '' } : { done: p, total: 100, text: '' };
  if (typeof p === 'string') return { done: null, total: null, text: p };
  return { done: null, total: null, text: '' };
}

export function toJob(j) {
  if (!j || typeof j !== 'object') return null;
  return {
    id: j.id ?? j.job_id ?? null,
    spider: j.spider ?? j.spider_name ?? '',
    state: j.state || j.status || '',
    started: j.started_at ?? j.start ?? j.started ?? null,
    ended: j.finished_at ?? j.ended_at ?? j.end ?? j.ended ?? j.finished ?? null,
    queued: j.created_at ?? j.queued_at ?? null,
    by: j.created_by ?? j.started_by ?? j.requested_by ?? '',
    cancelRequested: Boolean(j.cancel_requested),
    error: typeof j.error === 'string' ? j.error : (typeof j.message === 'string' ? j.message : ''),
    counts: countsOf(j),
    progress: progressOf(j),
  };
}

export function toSpiders(data) {
  const list = Array.isArray(data) ? data : arr(data && (data.spiders || data.scrapers || data.results));
  return list.map((s) => {
    if (typeof s === 'string') return { name: s, provider: '', job: null };
    const job = s.last_job ?? s.job ?? s.last ?? null;
    return {
      name: String(s.name ?? s.spider ?? ''),
      provider: s.provider || s.title || '',
      job: toJob(job),
    };
  }).filter((s) => s.name);
}

// A log line: {seq, at, level, text}. Plain strings are accepted.
function toLine(l, i) {
  if (typeof l === 'string') return { seq: null, at: null, level: '', text: l, key: `s${i}` };
  const seq = num(l.seq ?? l.id ?? l.n ?? l.line);
  return {
    seq,
    at: l.at ?? l.ts ?? l.time ?? l.created_at ?? null,
    level: l.level || l.severity || '',
    text: String(l.message ?? l.text ?? l.msg ?? ''),
    key: seq !== null ? `n${seq}` : `s${i}`,
  };
}

// One poll's answer: the job, the new log lines and the `since` for the
// next poll (the server's cursor, else the highest line number seen,
// else the number of lines so far).
export function toJobPoll(data, since, linesSoFar) {
  const d = data && typeof data === 'object' ? data : {};
  const job = toJob(d.job && typeof d.job === 'object' ? { ...d.job, log: undefined } : d);
  const raw = arr(d.log ?? d.lines ?? d.log_lines ?? (d.job && d.job.log));
  const lines = raw.map((l, i) => toLine(l, linesSoFar + i));
  let next = num(d.next_since ?? d.next ?? d.cursor ?? d.last_seq);
  if (next === null) {
    const seqs = lines.map((l) => l.seq).filter((s) => s !== null);
    if (seqs.length) next = Math.max(...seqs);
    else if (lines.length) next = linesSoFar + lines.length;
    else next = since;
  }
  return { job, lines, next };
}

// The id of the job a start made.
// Why a job ended badly, when that says more than its state.
export function jobError(job) {
  if (!job || !job.error || !(job.state === 'failed' || job.state === 'cancelled')) return '';
  return job.error.trim().toLowerCase() === job.state ? '' : job.error;
}

export function startedJobId(data) {
  const d = data && typeof data === 'object' ? data : {};
  return d.id ?? d.job_id ?? (d.job && d.job.id) ?? null;
}

// A proposal: the published course it would refresh and, per field,
// the value now in the App and the one the scraper found.
export function toProposals(data) {
  const list = Array.isArray(data) ? data : arr(data && (data.proposals || data.results));
  return list.map((p) => {
    const c = p.changes ?? p.fields ?? p.diff;
    let changes = [];
    if (Array.isArray(c)) {
      changes = c.map((x) => ({ field: x.field || x.name, old: x.old ?? x.before ?? x.current, new: x.new ?? x.after ?? x.proposed }));
    } else if (c && typeof c === 'object') {
      changes = Object.entries(c).map(([field, x]) => (x && typeof x === 'object' && !Array.isArray(x) && ('old' in x || 'new' in x || 'before' in x || 'current' in x)
        ? { field, old: x.old ?? x.before ?? x.current, new: x.new ?? x.after ?? x.proposed }
        : { field, old: undefined, new: x }));
    } else {
      const b = (p.current ?? p.old ?? p.before) || {};
      const a = (p.proposed ?? p.new ?? p.after) || {};
      const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
      changes = keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).map((k) => ({ field: k, old: b[k], new: a[k] }));
    }
    // A field the same in both (null and missing alike) is no change.
    const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    changes = changes.filter((x) => x.field && !same(x.old === '' ? null : x.old, x.new === '' ? null : x.new));
    return {
      id: p.id,
      courseId: p.app_course_id ?? p.course_id ?? null,
      scrapedId: p.scraped_course_id ?? p.scraped_id ?? null,
      name: p.name || p.course_name || (p.current && p.current.name) || (p.proposed && p.proposed.name) || '',
      spider: p.spider ?? p.spider_name ?? '',
      url: p.url || p.source_url || '',
      at: p.created_at ?? p.proposed_at ?? p.at ?? null,
      changes,
    };
  });
}

// A field's value in a proposal, as text.
export function valueText(v) {
  if (v === null || v === undefined || v === '') return '(none)';
  if (Array.isArray(v) && v.length === 0) return '(none)';
  if (Array.isArray(v) && v.every((d) => d && typeof d === 'object' && 'start' in d)) {
    return v.map((d) => `${dayOf(d.start)}${d.end && dayOf(d.end) !== dayOf(d.start) ? ` to ${dayOf(d.end)}` : ''}`).join('; ');
  }
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) return v.join(', ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
