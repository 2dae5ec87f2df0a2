// Tiles that lead to another screen (the intro's three entries).
import { Link } from '../lib/router.jsx';

export function LinkTiles({ items }) {
  return (
    <ul className="tiles tiles-intro">
      {items.map((it) => (
        <li key={it.href}>
          <Link href={it.href} className="tile tile-link">
            <span className="tile-title">{it.title}</span>
            <span className="tile-desc">{it.desc}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
