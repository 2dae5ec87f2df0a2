// Full review: stars per category, weakest first, with courses.
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { ResultsList } from '../components/ResultsList.jsx';
import { Loaded } from '../components/Status.jsx';
import { StartAgain } from '../components/StartAgain.jsx';
import { useApi } from '../lib/useApi.js';
import { api } from '../lib/api.js';
import { Link } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';
import { askedRole } from './review.js';

export function ReviewResults({ vertical }) {
  const [review] = useStored('review', {});
  const role = String(review.v) === String(vertical) ? askedRole(review) : null;
  const answers = role && review.answersFor === role.id ? review.answers || {} : null;
  const key = answers ? JSON.stringify(answers) : '';
  const results = useApi(
    (signal) => (answers ? api.results({ vertical, role: role.id, answers }, { signal }) : Promise.resolve(null)),
    [vertical, role && role.id, key],
  );
  if (!role || !answers || !Object.keys(answers).length) return <StartAgain href={`/review/${vertical}`} />;
  return (
    <>
      <BackLink href={`/review/${vertical}/questions`}>Back to the questions</BackLink>
      <p className="context">{review.goal === 0 ? 'Preparing for' : 'As'} <strong>{role.name}</strong></p>
      <ScreenHeading title="Your learning needs">Your learning needs</ScreenHeading>
      <p className="hint">Each category shows how you rated yourself, out of five stars. Your weakest categories come first, with courses for each.</p>
      <Loaded state={results} what="Working out your results">
        {(r) => <ResultsList results={r} />}
      </Loaded>
      <p className="after-results">
        <Link href="/courses" className="button">Browse all CPD courses</Link>
      </p>
    </>
  );
}
