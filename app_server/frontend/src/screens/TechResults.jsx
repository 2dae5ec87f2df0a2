// Legal-tech check: stars per tech competency category, weakest first.
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { ResultsList } from '../components/ResultsList.jsx';
import { Loaded } from '../components/Status.jsx';
import { StartAgain } from '../components/StartAgain.jsx';
import { useApi } from '../lib/useApi.js';
import { api } from '../lib/api.js';
import { Link } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';

export function TechResults() {
  const [tech] = useStored('tech', {});
  const role = tech.role || null;
  const answers = tech.answers || {};
  const key = JSON.stringify(answers);
  const results = useApi(
    (signal) => (role ? api.techResults({ role: role.id, answers }, { signal }) : Promise.resolve(null)),
    [role && role.id, key],
  );
  if (!role || !Object.keys(answers).length) return <StartAgain href="/tech" />;
  return (
    <>
      <BackLink href="/tech/questions">Back to the questions</BackLink>
      <p className="context">As a <strong>{role.name}</strong></p>
      <ScreenHeading title="Your legal-tech results">Your legal-tech results</ScreenHeading>
      <p className="hint">Each category shows how you rated yourself, out of five stars. Your weakest categories come first.</p>
      <Loaded state={results} what="Working out your results">
        {(r) => <ResultsList results={r} />}
      </Loaded>
      <p className="after-results">
        <Link href="/courses" className="button">Browse all CPD courses</Link>
      </p>
    </>
  );
}
