import { Link } from '../lib/router.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';

export function NotFound() {
  return (
    <>
      <ScreenHeading>Page not found</ScreenHeading>
      <p>There is no such page in the CMS. <Link href="/cms/">Go to the dashboard</Link>.</p>
    </>
  );
}
