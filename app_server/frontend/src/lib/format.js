// How course fields and scores read on screen (SPEC section 6).

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Dates arrive as ISO 8601 with the deployment's UTC offset
// ("2027-01-05T09:00:00+08:00"); the wall-clock date written there is the
// one to show, whatever the reader's own time zone.
export function parseWallClock(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(iso || '');
  if (!m) return null;
  return { y: +m[1], mo: +m[2], d: +m[3], h: m[4] ? +m[4] : 0, mi: m[5] ? +m[5] : 0 };
}

function dayText(w) {
  return `${w.d} ${MONTHS[w.mo - 1]} ${w.y}`;
}

function sameDay(a, b) {
  return a.y === b.y && a.mo === b.mo && a.d === b.d;
}

export function isOngoing(course) {
  return Boolean(course.is_ongoing) || !course.date_range || !course.date_range.start;
}

// "5 Jan 2027", "5 Jan 2027 – 7 Jan 2027", or "Ongoing".
export function dateText(course) {
  if (isOngoing(course)) return 'Ongoing';
  const start = parseWallClock(course.date_range.start);
  if (!start) return 'Ongoing';
  const end = parseWallClock(course.date_range.end);
  if (!end || sameDay(start, end)) return dayText(start);
  return `${dayText(start)} – ${dayText(end)}`;
}

// A sortable key for a course's start: ongoing courses sort after dated ones.
export function startKey(course) {
  if (isOngoing(course)) return '9999';
  return course.date_range.start;
}

const money = new Intl.NumberFormat('en-SG', { style: 'currency', currency: 'SGD', currencyDisplay: 'narrowSymbol' });

export function costText(course) {
  const c = course.cost || {};
  if (c.isVarying) return 'Cost varies';
  if (c.cost === null || c.cost === undefined) return 'Cost not stated';
  if (Number(c.cost) === 0) return 'Free';
  return `S${money.format(Number(c.cost))}`;
}

function pointsText(n) {
  const s = Number.isInteger(n) ? String(n) : String(Number(n.toFixed(2)));
  return `${s} public CPD ${n === 1 ? 'point' : 'points'}`;
}

export function cpdText(course) {
  const c = course.cpd || {};
  if (c.points !== null && c.points !== undefined) return pointsText(Number(c.points));
  if (c.is_tbc) return 'Public CPD points: TBC';
  if (c.is_private) return 'Private';
  if (c.is_na) return 'Not applicable';
  return 'CPD points not stated';
}

// Order used by the course lists on the need and results screens: courses
// with points (by points), then TBC, private, not applicable, not stated
// (SPEC section 5's CPD order).
export function cpdRank(course) {
  const c = course.cpd || {};
  if (c.points !== null && c.points !== undefined) return [0, Number(c.points)];
  if (c.is_tbc) return [1, 0];
  if (c.is_private) return [2, 0];
  if (c.is_na) return [3, 0];
  return [4, 0];
}

// Courses whose cost varies sort as lowest (as the server does).
export function costKey(course) {
  const c = course.cost || {};
  if (c.isVarying) return -1;
  if (c.cost === null || c.cost === undefined) return Number.POSITIVE_INFINITY;
  return Number(c.cost);
}

// 0-100 score to stars: score/20, halves rounded up (67 -> 3.5, 75 -> 4).
export function starsFor(score) {
  const s = Math.max(0, Math.min(100, Number(score) || 0));
  return Math.min(5, Math.ceil((s / 20) * 2) / 2);
}

// Today and 31 December next year as YYYY-MM-DD in the reader's time zone.
export function isoDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function defaultDateRange(now = new Date()) {
  return { from: isoDate(now), to: `${now.getFullYear() + 1}-12-31` };
}
