// Courses and Scrapers arrive with the next release.
import { Link } from '../lib/router.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';

export function ComingSoon({ title }) {
  return (
    <>
      <ScreenHeading>{title}</ScreenHeading>
      <p className="lead" data-testid="coming-soon">{title} arrives with the next release.</p>
      <p><Link href="/cms/">Back to the dashboard</Link></p>
    </>
  );
}
