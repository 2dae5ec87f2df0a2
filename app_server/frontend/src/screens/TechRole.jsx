// Legal-tech check, step 1: "I am a ..." (tech role).
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { ChoiceTiles } from '../components/ChoiceTiles.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { Loaded } from '../components/Status.jsx';
import { useQuestions } from '../lib/questions.js';
import { navigate } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';

export function TechRole() {
  const qns = useQuestions();
  const [tech, setTech] = useStored('tech', {});
  return (
    <>
      <BackLink href="/">Home</BackLink>
      <ScreenHeading title="Are you legal-tech savvy?">{qns.data ? qns.data.tech_role.text : 'I am a ...'}</ScreenHeading>
      <p className="hint">Are you legal-tech savvy? Choose the role closest to yours.</p>
      <Loaded state={qns} what="Loading the questions">
        {(q) => (
          <ChoiceTiles
            label="Tech roles"
            testId="tech-roles"
            options={q.tech_role.options}
            pressed={tech.role ? [tech.role.id] : []}
            onChoose={(o) => {
              if (!tech.role || tech.role.id !== o.id) setTech(() => ({ role: { id: o.id, name: o.name || o.text } }));
              navigate('/tech/questions');
            }}
          />
        )}
      </Loaded>
    </>
  );
}
