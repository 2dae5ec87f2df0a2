import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { LinkTiles } from '../components/LinkTiles.jsx';

const ENTRIES = [
  { href: '/needs', title: 'Identify your learning needs', desc: 'Pick your area, see matching courses, or take the full review of your role.' },
  { href: '/tech', title: 'Are you legal-tech savvy?', desc: 'Check yourself against the legal-technology competencies.' },
  { href: '/courses', title: 'Browse CPD courses', desc: 'Search upcoming courses by name, date, cost and CPD points.' },
];

export function Intro() {
  return (
    <>
      <ScreenHeading title="Find out what to learn next">Find out what to learn next</ScreenHeading>
      <p className="lead">The LIFTED competency framework for legal professionals: see where you stand and which CPD courses help you grow.</p>
      <LinkTiles items={ENTRIES} />
    </>
  );
}
