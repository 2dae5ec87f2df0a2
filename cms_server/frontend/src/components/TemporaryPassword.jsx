// A generated password, shown once (new user, admin reset).
import { OneTimeSecret } from './OneTimeSecret.jsx';

// The server's answer may name it either way.
export function temporaryPasswordOf(r) {
  return r && (r.temporary_password || r.password || r.temp_password) || null;
}

export function TemporaryPassword({ username, password }) {
  return (
    <OneTimeSecret title={`Temporary password for ${username}`} testId="temporary-password">
      <p className="secret"><code>{password}</code></p>
      <p>Give it to {username} in person or by phone. They must choose their own at their next sign-in.</p>
    </OneTimeSecret>
  );
}
