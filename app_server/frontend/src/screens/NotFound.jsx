import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { Link } from '../lib/router.jsx';

export function NotFound() {
  return (
    <>
      <ScreenHeading>Page not found</ScreenHeading>
      <p>There is nothing here. <Link href="/">Start again from the beginning</Link>.</p>
    </>
  );
}
