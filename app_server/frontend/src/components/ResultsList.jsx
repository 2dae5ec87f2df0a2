// The answer of /results or /techdiagresults as categories, weakest first
// (ties keep the server's order), each with its courses.
import { CategoryResult } from './CategoryResult.jsx';

export function orderedCategories(results) {
  const comps = results.competencies || {};
  const map = (results.courses && results.courses.map) || {};
  const byKey = (results.courses && results.courses.courses) || {};
  return Object.entries(comps)
    .map(([name, v], i) => ({
      name,
      score: v.score,
      i,
      courses: (map[name] || []).map((k) => byKey[k]).filter(Boolean),
    }))
    .sort((a, b) => a.score - b.score || a.i - b.i);
}

export function ResultsList({ results }) {
  const cats = orderedCategories(results);
  if (!cats.length) return <p className="empty">There are no answers to score yet.</p>;
  const firstWithCourses = cats.findIndex((c) => c.courses.length > 0);
  return (
    <div className="results" data-testid="results">
      {cats.map((c, i) => <CategoryResult key={c.name} index={i} open={i === firstWithCourses} name={c.name} score={c.score} courses={c.courses} />)}
    </div>
  );
}
