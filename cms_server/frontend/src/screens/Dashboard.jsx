// The CMS's start page: a tile for each part of the CMS the user may use
// (the server checks again on every request). A tile with a list of
// permissions shows for any of them.
import { Link } from '../lib/router.jsx';
import { hasPermission, useSession } from '../lib/session.js';
import { ScreenHeading } from '../components/ScreenHeading.jsx';

const TILES = [
  { href: '/cms/users', permission: 'users.manage', title: 'Users', text: 'Staff accounts: create, disable, reset passwords and two-step sign-in.' },
  { href: '/cms/groups', permission: 'users.manage', title: 'Groups and permissions', text: 'What each group may do, and which providers\u2019 courses it may touch.' },
  { href: '/cms/audit', permission: 'audit.view', title: 'Audit log', text: 'Who changed what, and when.' },
  { href: '/cms/account', title: 'Your account', text: 'Your password, two-step sign-in and recovery codes.' },
  { href: '/cms/courses', permission: ['courses.edit', 'courses.publish'], title: 'Review queue', text: 'Scraped courses to check, edit, publish or dismiss; possible duplicates flagged.' },
  { href: '/cms/courses/published', permission: ['courses.edit', 'courses.publish'], title: 'Published courses', text: 'The courses on the App: search, edit, delete, or add one by hand.' },
  { href: '/cms/framework', permission: 'framework.import', title: 'Framework import', text: 'Upload the framework sheets, check them against the live framework, apply.' },
  { href: '/cms/scrapers', permission: 'scrapers.run', title: 'Scrapers', text: 'Run the spiders, follow their jobs, apply refreshes of published courses.' },
];

export function Dashboard() {
  const me = useSession();
  return (
    <>
      <ScreenHeading>Dashboard</ScreenHeading>
      <p className="lead">Welcome, {me.username}.</p>
      <ul className="tiles" data-testid="dashboard">
        {TILES.filter((t) => !t.permission || [].concat(t.permission).some((p) => hasPermission(me, p))).map((t) => (
          <li key={t.href}>
            <Link href={t.href} className="tile">
              <span className="tile-title">{t.title}</span>
              <span className="tile-text">{t.text}</span>
            </Link>
          </li>
        ))}
        <li>
          {/* The App's pages, as the public sees them: a full page load. */}
          <a href="/" className="tile">
            <span className="tile-title">The App</span>
            <span className="tile-text">The public site, with a banner back to here.</span>
          </a>
        </li>
      </ul>
    </>
  );
}
