// A course list with its own sort control (name, cost, CPD, date).
import { useMemo } from 'preact/hooks';
import { SORT_KEYS, sortCourses } from '../lib/sort.js';
import { SortControl } from './SortControl.jsx';
import { CourseEntries } from './CourseEntries.jsx';

export function SortedCourses({ idPrefix, courses, sort, onSort, empty, busy, label }) {
  const sorted = useMemo(() => sortCourses(courses, sort.key, sort.dir), [courses, sort.key, sort.dir]);
  return (
    <div className="sorted-courses">
      {courses.length > 1 && <SortControl idPrefix={idPrefix} keys={SORT_KEYS} value={sort} onChange={onSort} />}
      <CourseEntries courses={sorted} empty={empty} busy={busy} label={label} />
    </div>
  );
}
