// Changing one's own password: current, new, new again. The server's
// rules (length, not the same as before, ...) come back as field
// messages. A change ends the user's other sessions.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { refreshSession, useSession } from '../lib/session.js';
import { useForm } from '../lib/useForm.js';
import { Field } from './Field.jsx';
import { FormError } from './FormError.jsx';

export function PasswordChangeForm({ onDone }) {
  const me = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(null);
  const form = useForm(['current_password', 'new_password']);
  const onSubmit = async (e) => {
    e.preventDefault();
    if (next !== again) {
      setMismatch('The two new passwords are not the same.');
      return;
    }
    setMismatch(null);
    const r = await form.submit(async () => {
      const answer = await api.changePassword(current, next);
      await refreshSession();
      return answer;
    });
    if (!r) return;
    setCurrent(''); setNext(''); setAgain('');
    if (onDone) onDone();
  };
  return (
    <form className="form" onSubmit={onSubmit} noValidate data-testid="password-form">
      <FormError error={form.error} />
      {/* For password managers: whose password this is. */}
      <input type="text" name="username" autoComplete="username" value={me ? me.username : ''} readOnly hidden />
      <Field id="current_password" label="Current password" type="password" value={current} onInput={setCurrent}
        error={form.fields.current_password} autoComplete="current-password" required />
      <Field id="new_password" label="New password" type="password" value={next} onInput={setNext}
        hint="At least 12 characters." error={form.fields.new_password} autoComplete="new-password" required />
      <Field id="new_password_again" label="New password again" type="password" value={again} onInput={setAgain}
        error={mismatch} autoComplete="new-password" required />
      <button type="submit" className="button button-primary" disabled={form.busy}>Change password</button>
    </form>
  );
}
