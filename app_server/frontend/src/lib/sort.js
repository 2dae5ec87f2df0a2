// Client-side ordering of a course list (need and results screens). The
// direction flips the values; courses without a value (ongoing for date,
// no CPD points, no cost) stay at the end either way.
import { costKey, cpdRank, startKey } from './format.js';

export const SORT_KEYS = [
  { id: 'date', label: 'Date' },
  { id: 'name', label: 'Name' },
  { id: 'cost', label: 'Cost' },
  { id: 'cpd', label: 'CPD points' },
];

function compare(key, a, b, dir) {
  const sign = dir === 'desc' ? -1 : 1;
  switch (key) {
  case 'name':
    return sign * String(a.name || '').localeCompare(String(b.name || ''), 'en', { sensitivity: 'base' });
  case 'cost': {
    const x = costKey(a), y = costKey(b);
    if (x === y) return 0;
    if (!Number.isFinite(x)) return 1;
    if (!Number.isFinite(y)) return -1;
    return sign * (x - y);
  }
  case 'cpd': {
    const [ra, pa] = cpdRank(a), [rb, pb] = cpdRank(b);
    if (ra !== rb) return ra - rb;
    return sign * (pa - pb);
  }
  default: {
    const x = startKey(a), y = startKey(b);
    if (x === y) return 0;
    if (x === '9999') return 1;
    if (y === '9999') return -1;
    return sign * (x < y ? -1 : 1);
  }
  }
}

export function sortCourses(courses, key, dir) {
  return courses
    .map((c, i) => [c, i])
    .sort(([a, i], [b, j]) => compare(key, a, b, dir) || i - j)
    .map(([c]) => c);
}
