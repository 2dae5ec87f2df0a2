// One "I can ..." statement with Yes / No radio buttons. A flagged
// (unanswered after "Show me my learning needs") question says so.
export function CompetencyQuestion({ competency, number, answer, flagged, onAnswer }) {
  const name = `q-${competency.id}`;
  const errId = `${name}-error`;
  return (
    <fieldset
      className={`question${flagged ? ' question-flagged' : ''}`}
      id={`question-${competency.id}`}
      data-testid="question"
      aria-describedby={flagged ? errId : undefined}
    >
      <legend>
        <span className="question-number">{number}.</span> {competency.desc}
      </legend>
      {competency.expln && (
        <details className="question-more">
          <summary>What this means</summary>
          <p className="question-expln">{competency.expln}</p>
        </details>
      )}
      {flagged && <p className="question-error" id={errId}>Please answer this question.</p>}
      <div className="answers">
        <label className="answer">
          <input type="radio" name={name} value="yes" checked={answer === 0} onChange={() => onAnswer(competency.id, 0)} />
          <span>Yes</span>
        </label>
        <label className="answer">
          <input type="radio" name={name} value="no" checked={answer === 1} onChange={() => onAnswer(competency.id, 1)} />
          <span>No</span>
        </label>
      </div>
    </fieldset>
  );
}
