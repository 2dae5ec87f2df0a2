// Users who manage other users must have two-step sign-in when the
// deployment says so (LIFTED_REQUIRE_TOTP): set it up before anything else.
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { TotpEnrolment } from '../components/TotpEnrolment.jsx';

export function ForcedTotpSetup() {
  return (
    <div className="narrow">
      <ScreenHeading>Set up two-step sign-in</ScreenHeading>
      <p className="lead">Your account can manage other staff, so it needs a second step at sign-in: a code from an authenticator app.</p>
      <TotpEnrolment />
    </div>
  );
}
