// A plain list of courses, or a line saying there are none.
import { CourseEntry } from './CourseEntry.jsx';

export function CourseEntries({ courses, empty = 'No upcoming courses match.', busy = false, label }) {
  if (!courses.length) return <p className="empty" aria-busy={busy ? 'true' : 'false'}>{empty}</p>;
  return (
    <ul className="courses" aria-busy={busy ? 'true' : 'false'} aria-label={label}>
      {courses.map((c, i) => <CourseEntry key={`${c.url}|${c.date_range && c.date_range.start}|${i}`} course={c} />)}
    </ul>
  );
}
