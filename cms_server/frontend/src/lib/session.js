// The signed-in user, shared by every screen: null while unknown, false
// when nobody is signed in, else /cms/api/me's answer ({username,
// permissions, must_change_password, totp_enabled, ...}).
import { useEffect, useState } from 'preact/hooks';
import { api, onUnauthorized, setCsrf } from './api.js';

let current = null;
const listeners = new Set();

function publish(me) {
  current = me;
  for (const fn of listeners) fn(me);
}

// Asks the server who is signed in; any failure other than "not signed
// in" is passed on so the shell can offer to try again.
export async function refreshSession() {
  try {
    const me = await api.me();
    publish(me);
    return me;
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      setCsrf(null);
      publish(false);
      return false;
    }
    throw e;
  }
}

export function signedOut() {
  setCsrf(null);
  publish(false);
}

// A 401 from any call means the session ended (expired, revoked,
// disabled): back to the login screen.
onUnauthorized(signedOut);

export function useSession() {
  const [me, setMe] = useState(current);
  useEffect(() => {
    listeners.add(setMe);
    setMe(current);
    return () => listeners.delete(setMe);
  }, []);
  return me;
}

export function hasPermission(me, name) {
  return Boolean(me && Array.isArray(me.permissions) && me.permissions.includes(name));
}

// TOTP enrolment is required when the server says so and the user has
// none yet.
export function needsTotpSetup(me) {
  return Boolean(me && !me.totp_enabled && (me.totp_required || me.must_enroll_totp || me.totp_setup_required));
}
