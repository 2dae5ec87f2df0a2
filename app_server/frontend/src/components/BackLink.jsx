import { Link } from '../lib/router.jsx';

export function BackLink({ href, children = 'Back' }) {
  return <p className="back"><Link href={href} className="back-link">← {children}</Link></p>;
}
