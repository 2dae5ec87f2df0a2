// Full review, Legal Support only: law firm or in-house.
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { ChoiceTiles } from '../components/ChoiceTiles.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { Loaded } from '../components/Status.jsx';
import { NotFound } from './NotFound.jsx';
import { Redirect } from '../components/Redirect.jsx';
import { useQuestions, findVertical, isLegalSupport } from '../lib/questions.js';
import { navigate } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';

export function ReviewWhere({ vertical }) {
  const qns = useQuestions();
  const [review, setReview] = useStored('review', {});
  return (
    <Loaded state={qns} what="Loading the questions">
      {(q) => {
        const v = findVertical(q, vertical);
        if (!v) return <NotFound />;
        if (!isLegalSupport(v)) {
          return <Redirect to={`/review/${v.id}/role`} />;
        }
        const same = String(review.v) === String(v.id);
        return (
          <>
            <BackLink href="/needs">Back</BackLink>
            <ScreenHeading title={`Full review: ${q.where.text}`}>{q.where.text}</ScreenHeading>
            <ChoiceTiles
              label="Where you work"
              testId="where"
              options={q.where.options}
              pressed={same && review.where ? [review.where] : []}
              onChoose={(o) => {
                if (!same || review.where !== o.id) setReview(() => ({ v: v.id, where: o.id }));
                navigate(`/review/${v.id}/role`);
              }}
            />
          </>
        );
      }}
    </Loaded>
  );
}
