// Learning needs, step 3: need tiles ("I want to focus on ...") and the
// courses of the chosen category that match them; then the full review.
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { ChoiceTiles } from '../components/ChoiceTiles.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { SortedCourses } from '../components/SortedCourses.jsx';
import { Loaded } from '../components/Status.jsx';
import { NotFound } from './NotFound.jsx';
import { useQuestions, findVertical, categoriesOf } from '../lib/questions.js';
import { useApi } from '../lib/useApi.js';
import { api } from '../lib/api.js';
import { Link } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';

function CategoryCourses({ vertical, category, chosen }) {
  const [prefs, setPrefs] = useStored('needs-sort', { key: 'date', dir: 'asc' });
  const courses = useApi(
    (signal) => api.courseRecommendations({ vertical, category, needs: chosen }, { signal }),
    [vertical, category, chosen.join(',')],
  );
  return (
    <section className="need-courses" aria-labelledby="need-courses-heading">
      <h2 id="need-courses-heading">Matching courses</h2>
      <Loaded state={courses} what="Loading courses">
        {(list) => (
          <SortedCourses
            idPrefix="need-sort"
            courses={list}
            sort={prefs}
            onSort={setPrefs}
            busy={courses.loading}
            label="Matching courses"
            empty="No upcoming courses match these choices. Try another focus."
          />
        )}
      </Loaded>
    </section>
  );
}

export function NeedCourses({ vertical, category }) {
  const qns = useQuestions();
  const [needs, setNeeds] = useStored('needs', {});
  return (
    <Loaded state={qns} what="Loading the questions">
      {(q) => {
        const v = findVertical(q, vertical);
        const c = v && categoriesOf(q, v.id).find((o) => String(o.id) === String(category));
        if (!v || !c) return <NotFound />;
        const same = String(needs.v) === String(v.id) && String(needs.c) === String(c.id);
        const chosen = same && Array.isArray(needs.n) ? needs.n : [];
        const toggle = (o) => {
          const next = chosen.includes(o.id) ? chosen.filter((x) => x !== o.id) : [...chosen, o.id].sort((a, b) => a - b);
          setNeeds({ v: v.id, c: c.id, n: next });
        };
        return (
          <>
            <BackLink href={`/needs/${v.id}`}>Back</BackLink>
            <p className="context">Developing my <strong>{c.text}</strong></p>
            <ScreenHeading title={`${c.text}: ${q.need.text}`}>{q.need.text}</ScreenHeading>
            <p className="hint">Choose one or more; the list below follows your choice.</p>
            <ChoiceTiles compact label="Learning focus" testId="needs" options={q.need.options} pressed={chosen} onChoose={toggle} />
            <aside className="callout" aria-labelledby="review-heading">
              <h2 id="review-heading">Want a closer look?</h2>
              <p>Answer a few questions about your role and get learning needs for every category.</p>
              <Link href={`/review/${v.id}`} className="button button-primary">Full review</Link>
            </aside>
            <CategoryCourses vertical={v.id} category={c.id} chosen={chosen} />
          </>
        );
      }}
    </Loaded>
  );
}
