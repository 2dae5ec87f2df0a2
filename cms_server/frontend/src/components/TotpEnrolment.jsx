// TOTP enrolment: the server makes a secret; the user adds it to an
// authenticator app (by the otpauth:// URI or by typing the secret; no
// QR code), proves it with one code, and gets the recovery codes once.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { refreshSession } from '../lib/session.js';
import { useForm } from '../lib/useForm.js';
import { Field } from './Field.jsx';
import { FormError } from './FormError.jsx';
import { RecoveryCodes } from './RecoveryCodes.jsx';

// "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP", easier to type.
function grouped(secret) {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

export function TotpEnrolment({ onEnabled, onDone, startLabel = 'Set up two-step sign-in' }) {
  const [enrolment, setEnrolment] = useState(null);
  const [codes, setCodes] = useState(null);
  const [code, setCode] = useState('');
  const start = useForm([]);
  const confirm = useForm(['code']);

  const onStart = async () => {
    const r = await start.submit(() => api.totpStart());
    if (r) setEnrolment(r);
  };
  const onConfirm = async (e) => {
    e.preventDefault();
    const r = await confirm.submit(() => api.totpConfirm(code.replace(/\s+/g, '')));
    if (!r) return;
    setCodes(Array.isArray(r.recovery_codes) ? r.recovery_codes : []);
    if (onEnabled) onEnabled();
  };
  const done = useForm([]);
  const finish = async () => {
    if (await done.submit(refreshSession) && onDone) onDone();
  };

  if (codes) {
    return (
      <div>
        <RecoveryCodes codes={codes} />
        <FormError error={done.error} />
        <button type="button" className="button button-primary" onClick={finish} disabled={done.busy}>I have saved the codes</button>
      </div>
    );
  }
  if (!enrolment) {
    return (
      <div>
        <FormError error={start.error} />
        <button type="button" className="button button-primary" onClick={onStart} disabled={start.busy}>{startLabel}</button>
      </div>
    );
  }
  return (
    <div className="enrolment">
      <ol className="steps">
        <li>
          <p>Add an account to your authenticator app with this secret key (time-based, six digits, every 30 seconds):</p>
          <p className="secret" data-testid="totp-secret" data-secret={enrolment.secret}>{grouped(enrolment.secret)}</p>
          <p>Or, if your app accepts one, this setup address:</p>
          <p className="uri" data-testid="totp-uri"><code>{enrolment.uri}</code></p>
        </li>
        <li>
          <form className="form" onSubmit={onConfirm} noValidate>
            <FormError error={confirm.error} />
            <Field id="totp-code" label="The code your app shows now" value={code} onInput={setCode}
              error={confirm.fields.code} inputMode="numeric" autoComplete="one-time-code" maxLength={8} required />
            <button type="submit" className="button button-primary" disabled={confirm.busy}>Turn on two-step sign-in</button>
          </form>
        </li>
      </ol>
    </div>
  );
}
