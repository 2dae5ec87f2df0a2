// Learning needs, step 1: "I am ..."
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { ChoiceTiles } from '../components/ChoiceTiles.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { Loaded } from '../components/Status.jsx';
import { useQuestions } from '../lib/questions.js';
import { navigate } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';

export function ChooseVertical() {
  const qns = useQuestions();
  const [needs, setNeeds] = useStored('needs', {});
  return (
    <>
      <BackLink href="/">Home</BackLink>
      <ScreenHeading title="Identify your learning needs">{qns.data ? qns.data.vertical.text : 'I am ...'}</ScreenHeading>
      <Loaded state={qns} what="Loading the questions">
        {(q) => (
          <ChoiceTiles
            label="Your practice"
            testId="verticals"
            options={q.vertical.options}
            pressed={needs.v !== undefined ? [needs.v] : []}
            onChoose={(o) => {
              if (needs.v !== o.id) setNeeds({ v: o.id, c: undefined, n: [] });
              navigate(`/needs/${o.id}`);
            }}
          />
        )}
      </Loaded>
    </>
  );
}
