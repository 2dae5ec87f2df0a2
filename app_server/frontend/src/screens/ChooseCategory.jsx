// Learning needs, step 2: "I want to develop my ..."
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { ChoiceTiles } from '../components/ChoiceTiles.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { Loaded } from '../components/Status.jsx';
import { NotFound } from './NotFound.jsx';
import { useQuestions, findVertical, categoriesOf, plain } from '../lib/questions.js';
import { navigate } from '../lib/router.jsx';
import { useStored } from '../lib/store.js';

export function ChooseCategory({ vertical }) {
  const qns = useQuestions();
  const [needs, setNeeds] = useStored('needs', {});
  return (
    <Loaded state={qns} what="Loading the questions">
      {(q) => {
        const v = findVertical(q, vertical);
        if (!v) return <NotFound />;
        return (
          <>
            <BackLink href="/needs">Back</BackLink>
            <p className="context">{q.vertical.text.replace(/\.\.\.|…/, '')}<strong>{plain(v.text).toLowerCase()}</strong></p>
            <ScreenHeading title={q.comp_category.text}>{q.comp_category.text}</ScreenHeading>
            <ChoiceTiles
              label="Competency categories"
              testId="categories"
              options={categoriesOf(q, v.id)}
              pressed={String(needs.v) === String(v.id) && needs.c !== undefined ? [needs.c] : []}
              onChoose={(o) => {
                if (String(needs.v) !== String(v.id) || needs.c !== o.id) setNeeds({ v: v.id, c: o.id, n: [] });
                navigate(`/needs/${v.id}/${o.id}`);
              }}
            />
          </>
        );
      }}
    </Loaded>
  );
}
