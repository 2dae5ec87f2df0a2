// Legal-tech check, step 2: Yes / No for each tech competency.
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { Questionnaire } from '../components/Questionnaire.jsx';
import { Loaded } from '../components/Status.jsx';
import { StartAgain } from '../components/StartAgain.jsx';
import { useApi } from '../lib/useApi.js';
import { api } from '../lib/api.js';
import { navigate } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';

export function TechQuestions() {
  const [tech, setTech] = useStored('tech', {});
  const role = tech.role || null;
  const comps = useApi(
    (signal) => (role ? api.techCompetencies(role.id, { signal }) : Promise.resolve([])),
    [role && role.id],
  );
  if (!role) return <StartAgain href="/tech" />;
  const onAnswer = (id, value) => setTech((s) => ({ ...s, answers: { ...(s.answers || {}), [id]: value } }));
  return (
    <>
      <BackLink href="/tech">Back</BackLink>
      <p className="context">As a <strong>{role.name}</strong></p>
      <ScreenHeading title="Legal-tech check: your competencies">Which of these can you do?</ScreenHeading>
      <p className="hint">Answer Yes or No for each statement.</p>
      <Loaded state={comps} what="Loading the questions">
        {(list) => (
          <Questionnaire
            competencies={list}
            answers={tech.answers || {}}
            onAnswer={onAnswer}
            onDone={() => navigate('/tech/results')}
          />
        )}
      </Loaded>
    </>
  );
}
