// Replaces the current URL (after render, never during it).
import { useEffect } from 'preact/hooks';
import { navigate } from '../lib/router.jsx';

export function Redirect({ to }) {
  useEffect(() => { navigate(to, { replace: true }); }, [to]);
  return null;
}
