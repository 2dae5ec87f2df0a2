// The App's shell: header with the three entries, the current screen,
// footer with the licence page. Screens are picked from the URL path.
import { Link, segments, usePath } from './lib/router.jsx';
import { CmsBanner } from './components/CmsBanner.jsx';
import { Intro } from './screens/Intro.jsx';
import { ChooseVertical } from './screens/ChooseVertical.jsx';
import { ChooseCategory } from './screens/ChooseCategory.jsx';
import { NeedCourses } from './screens/NeedCourses.jsx';
import { ReviewWhere } from './screens/ReviewWhere.jsx';
import { ReviewRole } from './screens/ReviewRole.jsx';
import { ReviewGoal } from './screens/ReviewGoal.jsx';
import { ReviewNextRole } from './screens/ReviewNextRole.jsx';
import { ReviewQuestions } from './screens/ReviewQuestions.jsx';
import { ReviewResults } from './screens/ReviewResults.jsx';
import { TechRole } from './screens/TechRole.jsx';
import { TechQuestions } from './screens/TechQuestions.jsx';
import { TechResults } from './screens/TechResults.jsx';
import { CourseBrowser } from './screens/CourseBrowser.jsx';
import { NotFound } from './screens/NotFound.jsx';

const REVIEW_STEPS = {
  role: ReviewRole,
  goal: ReviewGoal,
  next: ReviewNextRole,
  questions: ReviewQuestions,
  results: ReviewResults,
};

const TECH_STEPS = { questions: TechQuestions, results: TechResults };

function screenFor(path) {
  const s = segments(path);
  const id = (x) => (x !== undefined && /^\d+$/.test(x) ? x : null);
  switch (s[0]) {
  case undefined:
    return <Intro />;
  case 'needs':
    if (s.length === 1) return <ChooseVertical />;
    if (s.length === 2 && id(s[1])) return <ChooseCategory key={s[1]} vertical={s[1]} />;
    if (s.length === 3 && id(s[1]) && id(s[2])) return <NeedCourses key={path} vertical={s[1]} category={s[2]} />;
    break;
  case 'review': {
    if (!id(s[1])) break;
    if (s.length === 2) return <ReviewWhere vertical={s[1]} />;
    const Step = s.length === 3 && REVIEW_STEPS[s[2]];
    if (Step) return <Step key={path} vertical={s[1]} />;
    break;
  }
  case 'tech': {
    if (s.length === 1) return <TechRole />;
    const Step = s.length === 2 && TECH_STEPS[s[1]];
    if (Step) return <Step />;
    break;
  }
  case 'courses':
    if (s.length === 1) return <CourseBrowser />;
    break;
  default:
  }
  return <NotFound />;
}

function SiteHeader() {
  return (
    <header className="site-header">
      <a className="skip-link" href="#main">Skip to content</a>
      <div className="site-header-inner">
        <Link href="/" className="brand">Lifted</Link>
        <nav aria-label="Main">
          <ul className="nav">
            <li><Link href="/needs">Learning needs</Link></li>
            <li><Link href="/tech">Legal tech</Link></li>
            <li><Link href="/courses">Courses</Link></li>
          </ul>
        </nav>
      </div>
    </header>
  );
}

function SiteFooter() {
  return (
    <footer className="site-footer">
      <p>Lifted: the LIFTED competency framework for legal professionals.</p>
      <p><a href="/terms/">Licences of the software this site uses</a></p>
    </footer>
  );
}

export function App() {
  const path = usePath();
  if (path === '/terms') {
    // The licence page is a static page of its own, at /terms/.
    window.location.replace('/terms/');
    return null;
  }
  return (
    <>
      <SiteHeader />
      <CmsBanner />
      <main id="main" className="main">{screenFor(path)}</main>
      <SiteFooter />
    </>
  );
}
