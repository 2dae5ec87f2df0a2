// The CMS's shell: asks the server who is signed in, then shows the login
// screen, a screen the user must finish first (new password, two-step
// sign-in), or the screen for the URL path with the header and its
// navigation. The server checks every permission; the shell only decides
// what to show.
import { useEffect, useState } from 'preact/hooks';
import { api } from './lib/api.js';
import { BASE, Link, navigate, safeNext, segments, usePath } from './lib/router.jsx';
import { hasPermission, needsTotpSetup, refreshSession, signedOut, useSession } from './lib/session.js';
import { Redirect } from './components/Redirect.jsx';
import { LoadError, Loading } from './components/Status.jsx';
import { Account } from './screens/Account.jsx';
import { Audit } from './screens/Audit.jsx';
import { CourseDetail } from './screens/CourseDetail.jsx';
import { Courses } from './screens/Courses.jsx';
import { Dashboard } from './screens/Dashboard.jsx';
import { ForcedPasswordChange } from './screens/ForcedPasswordChange.jsx';
import { ForcedTotpSetup } from './screens/ForcedTotpSetup.jsx';
import { FrameworkImport } from './screens/FrameworkImport.jsx';
import { GroupDetail } from './screens/GroupDetail.jsx';
import { Groups } from './screens/Groups.jsx';
import { Login } from './screens/Login.jsx';
import { NotFound } from './screens/NotFound.jsx';
import { ScraperJob } from './screens/ScraperJob.jsx';
import { Scrapers } from './screens/Scrapers.jsx';
import { UserDetail } from './screens/UserDetail.jsx';
import { Users } from './screens/Users.jsx';

const LOGIN = `${BASE}/login`;

function screenFor(path) {
  const s = segments(path);
  switch (s[0]) {
  case undefined:
    return <Dashboard />;
  case 'users':
    if (s.length === 1) return <Users />;
    if (s.length === 2) return <UserDetail key={s[1]} username={s[1]} />;
    break;
  case 'groups':
    if (s.length === 1) return <Groups />;
    if (s.length === 2) return <GroupDetail key={s[1]} name={s[1]} />;
    break;
  case 'account':
    if (s.length === 1) return <Account />;
    break;
  case 'audit':
    if (s.length === 1) return <Audit />;
    break;
  case 'courses':
    if (s.length === 1) return <Courses key="review" tab="review" />;
    if (s.length === 2 && s[1] === 'published') return <Courses key="published" tab="published" />;
    if (s.length === 3 && (s[1] === 'review' || s[1] === 'published')) {
      return <CourseDetail key={`${s[1]}/${s[2]}`} tab={s[1]} id={s[2]} />;
    }
    break;
  case 'framework':
    if (s.length === 1) return <FrameworkImport />;
    break;
  case 'scrapers':
    if (s.length === 1) return <Scrapers />;
    if (s.length === 3 && s[1] === 'jobs') return <ScraperJob key={s[2]} id={s[2]} />;
    break;
  default:
  }
  return <NotFound />;
}

function SignOut() {
  const [busy, setBusy] = useState(false);
  const onClick = async () => {
    setBusy(true);
    try {
      await api.logout();
    } catch {
      // Signed out or not, the screen goes back to the login.
    }
    signedOut();
    navigate(LOGIN, { replace: true });
  };
  return <button type="button" className="button button-header" onClick={onClick} disabled={busy}>Sign out</button>;
}

function SiteHeader({ me, full }) {
  return (
    <header className="site-header">
      <a className="skip-link" href="#main">Skip to content</a>
      <div className="site-header-inner">
        <Link href={`${BASE}/`} className="brand">Lifted CMS</Link>
        {me && full && (
          <nav aria-label="Main">
            <ul className="nav">
              {(hasPermission(me, 'courses.edit') || hasPermission(me, 'courses.publish')) && <li><Link href={`${BASE}/courses`}>Courses</Link></li>}
              {hasPermission(me, 'framework.import') && <li><Link href={`${BASE}/framework`}>Framework</Link></li>}
              {hasPermission(me, 'scrapers.run') && <li><Link href={`${BASE}/scrapers`}>Scrapers</Link></li>}
              {hasPermission(me, 'users.manage') && <li><Link href={`${BASE}/users`}>Users</Link></li>}
              {hasPermission(me, 'users.manage') && <li><Link href={`${BASE}/groups`}>Groups</Link></li>}
              {hasPermission(me, 'audit.view') && <li><Link href={`${BASE}/audit`}>Audit log</Link></li>}
              <li><Link href={`${BASE}/account`}>Account</Link></li>
            </ul>
          </nav>
        )}
        {me && (
          <div className="who">
            <span className="who-name" data-testid="signed-in-as">{me.username}</span>
            <SignOut />
          </div>
        )}
      </div>
    </header>
  );
}

// Where to go after signing in: the server sends a visitor without a
// session from an App page to /cms/?next=<path>; a CMS screen opened
// without a session passes itself on.
function wanted(path) {
  const next = new URLSearchParams(window.location.search).get('next');
  if (path === LOGIN || path === `${BASE}/`) return next ? safeNext(next) : null;
  return path + window.location.search;
}

function Body({ me, path }) {
  if (me === false) {
    if (path !== LOGIN) {
      const next = wanted(path);
      return <Redirect to={next ? `${LOGIN}?next=${encodeURIComponent(next)}` : LOGIN} />;
    }
    return <Login />;
  }
  if (path === LOGIN || (path === `${BASE}/` && wanted(path))) {
    return <Redirect to={wanted(path) || `${BASE}/`} />;
  }
  if (me.must_change_password) return <ForcedPasswordChange />;
  if (needsTotpSetup(me)) return <ForcedTotpSetup />;
  return screenFor(path);
}

export function App() {
  const path = usePath();
  const me = useSession();
  const [error, setError] = useState(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setError(null);
    refreshSession().catch(setError);
  }, [attempt]);

  if (path === BASE) return <Redirect to={`${BASE}/`} />;
  let body;
  if (error) body = <LoadError error={error} onRetry={() => setAttempt((a) => a + 1)} />;
  else if (me === null) body = <Loading what="Checking your session" />;
  else body = <Body me={me} path={path} />;
  const full = me && !me.must_change_password && !needsTotpSetup(me);
  return (
    <>
      <SiteHeader me={me} full={full} />
      <main id="main" className="main">{body}</main>
      <footer className="site-footer">
        <p>Lifted CMS · <a href="/">The App</a></p>
      </footer>
    </>
  );
}
