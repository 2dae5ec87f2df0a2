// Full review, preparing for the next role: roles at the same level or
// one above the current one.
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { RolesByLevel } from '../components/RolesByLevel.jsx';
import { Loaded } from '../components/Status.jsx';
import { StartAgain } from '../components/StartAgain.jsx';
import { useApi } from '../lib/useApi.js';
import { api } from '../lib/api.js';
import { navigate } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';

export function ReviewNextRole({ vertical }) {
  const [review, setReview] = useStored('review', {});
  const ok = String(review.v) === String(vertical) && review.role && review.goal === 0;
  const roleId = ok ? review.role.id : null;
  const roles = useApi(
    (signal) => (roleId === null ? Promise.resolve([]) : api.roles({ vertical, org: review.where, from: roleId }, { signal })),
    [vertical, roleId, review.where],
  );
  if (!ok) return <StartAgain href={`/review/${vertical}`} />;
  return (
    <>
      <BackLink href={`/review/${vertical}/goal`}>Back</BackLink>
      <p className="context">From <strong>{review.role.name}</strong></p>
      <ScreenHeading title="Full review: your next role">Which role are you preparing for?</ScreenHeading>
      <p className="hint">Roles at your level or one above. Select the best fit.</p>
      <Loaded state={roles} what="Loading job roles">
        {(list) => (list.length ? (
          <RolesByLevel
            roles={list}
            onChoose={(r) => {
              const next = { id: r.id, name: r.name, level: r.level };
              if (!review.next || review.next.id !== r.id) {
                setReview((s) => ({ v: s.v, where: s.where, role: s.role, goal: s.goal, next }));
              }
              navigate(`/review/${vertical}/questions`);
            }}
          />
        ) : <p className="empty">There is no further role in the framework from here.</p>)}
      </Loaded>
    </>
  );
}
