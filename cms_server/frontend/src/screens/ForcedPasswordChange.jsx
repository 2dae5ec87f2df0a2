// After an administrator's reset (or a first sign-in) the user must
// choose a new password before anything else.
import { PasswordChangeForm } from '../components/PasswordChangeForm.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';

export function ForcedPasswordChange() {
  return (
    <div className="narrow">
      <ScreenHeading>Choose a new password</ScreenHeading>
      <p className="lead">Your password was set by an administrator. Choose your own before you go on; the temporary password stops working.</p>
      <PasswordChangeForm />
    </div>
  );
}
