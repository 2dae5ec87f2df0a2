// One competency category on a results screen: its stars and its courses
// (behind a disclosure, open for the weakest category that has courses).
import { Stars } from './Stars.jsx';
import { CourseEntries } from './CourseEntries.jsx';

export function CategoryResult({ name, score, courses, index, open }) {
  const id = `category-${index}`;
  return (
    <section className="category-result" aria-labelledby={id} data-testid="category-result">
      <div className="category-head">
        <h2 id={id}>{name}</h2>
        <Stars score={score} />
      </div>
      {courses.length ? (
        <details className="category-courses" open={open}>
          <summary>{courses.length === 1 ? '1 course' : `${courses.length} courses`} for {name}</summary>
          <CourseEntries courses={courses} label={`Courses for ${name}`} />
        </details>
      ) : <p className="empty">No upcoming courses for this category yet.</p>}
    </section>
  );
}
