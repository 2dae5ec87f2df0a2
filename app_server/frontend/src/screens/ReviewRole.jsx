// Full review: the current job role, grouped by level.
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { RolesByLevel } from '../components/RolesByLevel.jsx';
import { Loaded } from '../components/Status.jsx';
import { NotFound } from './NotFound.jsx';
import { Redirect } from '../components/Redirect.jsx';
import { useQuestions, findVertical, isLegalSupport } from '../lib/questions.js';
import { useApi } from '../lib/useApi.js';
import { api } from '../lib/api.js';
import { navigate } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';

function RoleChoice({ v, legalSupport }) {
  const [review, setReview] = useStored('review', {});
  const same = String(review.v) === String(v.id);
  const org = legalSupport && same ? review.where : undefined;
  const roles = useApi((signal) => api.roles({ vertical: v.id, org }, { signal }), [v.id, org]);
  if (legalSupport && !org) {
    return <Redirect to={`/review/${v.id}`} />;
  }
  return (
    <Loaded state={roles} what="Loading job roles">
      {(list) => (
        <RolesByLevel
          roles={list}
          onChoose={(r) => {
            const role = { id: r.id, name: r.name, level: r.level };
            if (!same || !review.role || review.role.id !== r.id) {
              setReview(() => ({ v: v.id, where: org, role }));
            }
            navigate(`/review/${v.id}/goal`);
          }}
        />
      )}
    </Loaded>
  );
}

export function ReviewRole({ vertical }) {
  const qns = useQuestions();
  return (
    <Loaded state={qns} what="Loading the questions">
      {(q) => {
        const v = findVertical(q, vertical);
        if (!v) return <NotFound />;
        const ls = isLegalSupport(v);
        return (
          <>
            <BackLink href={ls ? `/review/${v.id}` : '/needs'}>Back</BackLink>
            <ScreenHeading title="Full review: your job role">What is your job role?</ScreenHeading>
            <p className="hint">Select the best fit.</p>
            <RoleChoice v={v} legalSupport={ls} />
          </>
        );
      }}
    </Loaded>
  );
}
