// Shown when a step is opened without the earlier answers it needs (a
// bookmark, a new tab: answers live in this tab's session storage).
import { ScreenHeading } from './ScreenHeading.jsx';
import { Link } from '../lib/router.jsx';

export function StartAgain({ href }) {
  return (
    <>
      <ScreenHeading>Let's start from the beginning</ScreenHeading>
      <p>This step needs your earlier answers, and this browser tab does not have them.</p>
      <p><Link href={href} className="button button-primary">Start</Link></p>
    </>
  );
}
