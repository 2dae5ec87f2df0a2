// Full review: Yes / No for each competency of the asked role.
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { Questionnaire } from '../components/Questionnaire.jsx';
import { Loaded } from '../components/Status.jsx';
import { StartAgain } from '../components/StartAgain.jsx';
import { useApi } from '../lib/useApi.js';
import { api } from '../lib/api.js';
import { navigate } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';
import { askedRole } from './review.js';

export function ReviewQuestions({ vertical }) {
  const [review, setReview] = useStored('review', {});
  const role = String(review.v) === String(vertical) ? askedRole(review) : null;
  const comps = useApi(
    (signal) => (role ? api.competencies(role.id, { signal }) : Promise.resolve([])),
    [role && role.id],
  );
  if (!role) return <StartAgain href={`/review/${vertical}`} />;
  const answers = review.answersFor === role.id ? review.answers || {} : {};
  const onAnswer = (id, value) => setReview((s) => ({
    ...s,
    answersFor: role.id,
    answers: { ...(s.answersFor === role.id ? s.answers : {}), [id]: value },
  }));
  return (
    <>
      <BackLink href={`/review/${vertical}/${review.goal === 0 ? 'next' : 'goal'}`}>Back</BackLink>
      <p className="context">{review.goal === 0 ? 'Preparing for' : 'As'} <strong>{role.name}</strong></p>
      <ScreenHeading title="Full review: your competencies">Which of these can you do?</ScreenHeading>
      <p className="hint">Answer Yes or No for each statement.</p>
      <Loaded state={comps} what="Loading the questions">
        {(list) => (
          <Questionnaire
            competencies={list}
            answers={answers}
            onAnswer={onAnswer}
            onDone={() => navigate(`/review/${vertical}/results`)}
          />
        )}
      </Loaded>
    </>
  );
}
