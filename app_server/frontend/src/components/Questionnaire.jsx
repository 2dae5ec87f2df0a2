// Yes/No for each competency and the "Show me my learning needs" button.
// Submitting with questions unanswered flags each of them, says how many
// in an alert, and moves focus to the first one.
import { useState } from 'preact/hooks';
import { CompetencyQuestion } from './CompetencyQuestion.jsx';

export function Questionnaire({ competencies, answers, onAnswer, onDone }) {
  const [flagging, setFlagging] = useState(false);
  const unanswered = competencies.filter((c) => answers[c.id] !== 0 && answers[c.id] !== 1);
  const answeredCount = competencies.length - unanswered.length;

  const submit = (e) => {
    e.preventDefault();
    if (unanswered.length) {
      setFlagging(true);
      const first = document.querySelector(`#question-${unanswered[0].id} input`);
      if (first) first.focus();
      return;
    }
    onDone();
  };

  return (
    <form className="questionnaire" onSubmit={submit} noValidate>
      <p className="progress" aria-live="polite">{answeredCount} of {competencies.length} answered</p>
      {competencies.map((c, i) => (
        <CompetencyQuestion
          key={c.id}
          competency={c}
          number={i + 1}
          answer={answers[c.id]}
          flagged={flagging && answers[c.id] !== 0 && answers[c.id] !== 1}
          onAnswer={onAnswer}
        />
      ))}
      {flagging && unanswered.length > 0 && (
        <p className="form-error" role="alert" data-testid="unanswered">
          {unanswered.length === 1 ? '1 question is' : `${unanswered.length} questions are`} not answered yet: they are marked above.
        </p>
      )}
      <button type="submit" className="button button-primary">Show me my learning needs</button>
    </form>
  );
}
