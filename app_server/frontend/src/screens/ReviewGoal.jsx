// Full review: get better at the current job, or prepare for the next role.
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { ChoiceTiles } from '../components/ChoiceTiles.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { Loaded } from '../components/Status.jsx';
import { StartAgain } from '../components/StartAgain.jsx';
import { useQuestions } from '../lib/questions.js';
import { navigate } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';

export function ReviewGoal({ vertical }) {
  const qns = useQuestions();
  const [review, setReview] = useStored('review', {});
  if (String(review.v) !== String(vertical) || !review.role) return <StartAgain href={`/review/${vertical}`} />;
  return (
    <Loaded state={qns} what="Loading the questions">
      {(q) => (
        <>
          <BackLink href={`/review/${vertical}/role`}>Back</BackLink>
          <p className="context">As <strong>{review.role.name}</strong></p>
          <ScreenHeading title="Full review: your goal">{q.goal.text}</ScreenHeading>
          <ChoiceTiles
            label="Your goal"
            testId="goal"
            options={q.goal.options}
            pressed={review.goal !== undefined ? [review.goal] : []}
            onChoose={(o) => {
              if (review.goal !== o.id) {
                setReview((r) => ({ v: r.v, where: r.where, role: r.role, goal: o.id }));
              }
              navigate(o.id === 0 ? `/review/${vertical}/next` : `/review/${vertical}/questions`);
            }}
          />
        </>
      )}
    </Loaded>
  );
}
