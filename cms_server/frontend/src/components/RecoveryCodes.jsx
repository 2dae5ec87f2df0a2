// The ten recovery codes, shown once after TOTP enrolment.
import { OneTimeSecret } from './OneTimeSecret.jsx';

export function RecoveryCodes({ codes }) {
  return (
    <OneTimeSecret title="Your recovery codes" testId="recovery-codes">
      <p>Each code signs you in once if you lose your authenticator.</p>
      <ol className="codes">
        {codes.map((c) => <li key={c}><code>{c}</code></li>)}
      </ol>
    </OneTimeSecret>
  );
}
