// Sign-in: username and password, then (when the account has TOTP) a
// second step with a code from the authenticator app or a recovery code.
// Once signed in, the shell sends the user where they were headed
// (?next=), else to the dashboard.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { refreshSession } from '../lib/session.js';
import { useForm } from '../lib/useForm.js';
import { Field } from '../components/Field.jsx';
import { FormError } from '../components/FormError.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';


function PasswordStep({ onTotp }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const form = useForm(['username', 'password']);
  const onSubmit = async (e) => {
    e.preventDefault();
    const r = await form.submit(async () => {
      const answer = await api.login(username.trim(), password);
      if (!answer.totp_required) await refreshSession();
      return answer;
    });
    if (r && r.totp_required) onTotp();
  };
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <FormError error={form.error} />
      <Field id="username" label="Username" value={username} onInput={setUsername}
        error={form.fields.username} autoComplete="username" autoCapitalize="none" spellcheck={false} required />
      <Field id="password" label="Password" type="password" value={password} onInput={setPassword}
        error={form.fields.password} autoComplete="current-password" required />
      <button type="submit" className="button button-primary" disabled={form.busy}>Sign in</button>
    </form>
  );
}

function TotpStep() {
  const [useRecovery, setUseRecovery] = useState(false);
  const [code, setCode] = useState('');
  const form = useForm(['code', 'recovery_code']);
  const onSubmit = async (e) => {
    e.preventDefault();
    const value = code.replace(/\s+/g, '');
    await form.submit(async () => {
      await (useRecovery ? api.loginRecovery(value) : api.loginTotp(value));
      return refreshSession();
    });
  };
  const toggle = () => { setUseRecovery(!useRecovery); setCode(''); form.reset(); };
  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <FormError error={form.error} />
      {useRecovery ? (
        <Field key="recovery" id="recovery_code" label="Recovery code" value={code} onInput={setCode}
          hint="One of the ten codes you saved when you set up two-step sign-in. Each works once."
          error={form.fields.recovery_code || form.fields.code} autoComplete="off" autoCapitalize="none" spellcheck={false} required />
      ) : (
        <Field key="code" id="code" label="Code from your authenticator app" value={code} onInput={setCode}
          hint="Six digits." error={form.fields.code} inputMode="numeric" autoComplete="one-time-code"
          pattern="[0-9 ]*" maxLength={8} required />
      )}
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={form.busy}>Continue</button>
        <button type="button" className="button button-quiet" onClick={toggle}>
          {useRecovery ? 'Use a code from the app instead' : 'Use a recovery code instead'}
        </button>
      </div>
    </form>
  );
}

export function Login() {
  const [step, setStep] = useState('password');
  return (
    <div className="narrow">
      <ScreenHeading key={step}>{step === 'password' ? 'Sign in to the Lifted CMS' : 'Two-step sign-in'}</ScreenHeading>
      {step === 'password' ? <PasswordStep onTotp={() => setStep('totp')} /> : <TotpStep />}
    </div>
  );
}
