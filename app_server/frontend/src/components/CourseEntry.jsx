// One course: name linked to the provider's page, date or "Ongoing",
// provider, cost, CPD, and the level and format behind a disclosure; the
// provider's logo and a brochure link when the course has them (stable
// /media/course/<id>/<kind> paths that redirect to signed URLs,
// docs/media.md).
import { costText, cpdText, dateText } from '../lib/format.js';

export function CourseEntry({ course }) {
  return (
    <li className="course" data-testid="course">
      {course.logo && (
        <img className="course-logo" src={course.logo} alt={course.provider ? `${course.provider} logo` : ''}
          loading="lazy" decoding="async" />
      )}
      <h3 className="course-name">
        <a href={course.url} rel="noopener noreferrer" target="_blank">
          {course.name}
          <span className="visually-hidden"> (opens the provider's page in a new tab)</span>
        </a>
      </h3>
      <dl className="course-facts">
        <div><dt>Date</dt><dd className="course-date">{dateText(course)}</dd></div>
        {course.provider && <div><dt>Provider</dt><dd className="course-provider">{course.provider}</dd></div>}
        <div><dt>Cost</dt><dd className="course-cost">{costText(course)}</dd></div>
        <div><dt>CPD</dt><dd className="course-cpd">{cpdText(course)}</dd></div>
      </dl>
      {course.brochure && (
        <p className="course-brochure">
          <a href={course.brochure} target="_blank" rel="noopener noreferrer">
            Brochure (PDF)<span className="visually-hidden"> (opens in a new tab)</span>
          </a>
        </p>
      )}
      {(course.level || course.format) && (
        <details className="course-more">
          <summary>Level and format</summary>
          <dl className="course-facts">
            <div><dt>Level</dt><dd className="course-level">{course.level || 'Not stated'}</dd></div>
            <div><dt>Format</dt><dd className="course-format">{course.format || 'Not stated'}</dd></div>
          </dl>
        </details>
      )}
    </li>
  );
}
