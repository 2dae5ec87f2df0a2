// Replaces the current URL (after render, never during it). A path
// outside the CMS (an App page of the mirror) is a full page load.
import { useEffect } from 'preact/hooks';
import { BASE, navigate } from '../lib/router.jsx';

export function Redirect({ to }) {
  useEffect(() => {
    if (to === BASE || to.startsWith(`${BASE}/`)) navigate(to, { replace: true });
    else window.location.replace(to);
  }, [to]);
  return null;
}
