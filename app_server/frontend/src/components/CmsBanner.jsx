// On the CMS's mirror of the App (SPEC section 7), a banner back to the
// CMS dashboard for the signed-in staff member. Asked once per page load;
// the public App never shows it.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';

let asked = null;

export function CmsBanner() {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    let live = true;
    if (!asked) asked = api.cmsSignedIn();
    asked.then((yes) => { if (live) setShown(yes); });
    return () => { live = false; };
  }, []);
  if (!shown) return null;
  return (
    <div className="cms-banner" data-testid="cms-banner">
      <a href="/cms/">Lifted CMS — back to the dashboard</a>
    </div>
  );
}
