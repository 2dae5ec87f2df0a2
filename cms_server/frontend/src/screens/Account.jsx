// The user's own account: password change and two-step sign-in.
import { useState } from 'preact/hooks';
import { useSession } from '../lib/session.js';
import { Notice } from '../components/Notice.jsx';
import { PasswordChangeForm } from '../components/PasswordChangeForm.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { TotpEnrolment } from '../components/TotpEnrolment.jsx';

export function Account() {
  const me = useSession();
  const [notice, setNotice] = useState(null);
  // On from the moment the code is confirmed (the session is asked again
  // once the recovery codes are put away).
  const [enabled, setEnabled] = useState(false);
  const on = me.totp_enabled || enabled;
  return (
    <div className="narrow">
      <ScreenHeading>Your account</ScreenHeading>
      <p className="lead">Signed in as <strong>{me.username}</strong>.</p>
      <Notice>{notice}</Notice>
      <section aria-labelledby="password-heading">
        <h2 id="password-heading">Password</h2>
        <p className="hint">Changing it signs you out everywhere else.</p>
        <PasswordChangeForm onDone={() => setNotice('Your password is changed. Your other sessions have ended.')} />
      </section>
      <section aria-labelledby="totp-heading">
        <h2 id="totp-heading">Two-step sign-in</h2>
        {on
          ? <p data-testid="totp-state">On: you sign in with a code from your authenticator app or a recovery code.</p>
          : <p data-testid="totp-state">Off: you sign in with your password only.</p>}
        {me.totp_enabled
          ? <p className="hint">To move to a new authenticator or get new recovery codes, ask an administrator to reset your two-step sign-in, then set it up again here.</p>
          : <TotpEnrolment onEnabled={() => setEnabled(true)} onDone={() => setNotice('Two-step sign-in is on.')} />}
      </section>
    </div>
  );
}
