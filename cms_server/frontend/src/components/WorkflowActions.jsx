// The workflow steps open to a course in its state, as buttons, with a
// comment that goes into the course's history. The server decides: a
// step the user may not take answers 403, one from the wrong state 409;
// both are shown as the form's message.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { useForm } from '../lib/useForm.js';
import { availableTransitions } from '../lib/courses.js';
import { useSession } from '../lib/session.js';
import { FormError } from './FormError.jsx';

export function WorkflowActions({ course, workflow, onDone }) {
  const me = useSession();
  const [comment, setComment] = useState('');
  const form = useForm(['comment']);
  const steps = availableTransitions(course, workflow, me && me.permissions);
  if (steps.length === 0) return <p className="hint">No workflow step leads on from here.</p>;
  const take = async (t) => {
    const r = await form.submit(() => api.transition(course.id, t.name, comment.trim()));
    if (r) {
      setComment('');
      onDone(r, t);
    }
  };
  return (
    <form className="form workflow-actions" onSubmit={(e) => e.preventDefault()} noValidate aria-labelledby="workflow-heading">
      <h2 id="workflow-heading">Workflow</h2>
      <FormError error={form.error} />
      <div className={form.fields.comment ? 'field field-invalid' : 'field'}>
        <label htmlFor="comment">Comment (goes into the history)</label>
        <textarea id="comment" rows={2} value={comment} onInput={(e) => setComment(e.currentTarget.value)}
          aria-invalid={form.fields.comment ? 'true' : undefined}
          aria-describedby={form.fields.comment ? 'comment-error' : undefined} />
        {form.fields.comment && <p id="comment-error" className="field-error">{form.fields.comment}</p>}
      </div>
      <div className="actions">
        {steps.map((t) => (
          <button key={t.name} type="button" className={t.primary ? 'button button-primary' : 'button'}
            disabled={form.busy} onClick={() => take(t)} data-testid={`transition-${t.name}`}>{t.label}</button>
        ))}
      </div>
    </form>
  );
}
