// 0-5 stars in halves for a 0-100 score; the text alternative says the
// number, the picture is hidden from screen readers.
import { starsFor } from '../lib/format.js';

const STAR = '12,2 15.09,8.26 22,9.27 17,14.14 18.18,21.02 12,17.77 5.82,21.02 7,14.14 2,9.27 8.91,8.26';
const LEFT_HALF = '12,2 8.91,8.26 2,9.27 7,14.14 5.82,21.02 12,17.77';

function Star({ fill }) {
  return (
    <svg className="star" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <polygon points={STAR} className={fill === 1 ? 'star-full' : 'star-empty'} />
      {fill === 0.5 && <polygon points={LEFT_HALF} className="star-full" />}
    </svg>
  );
}

export function Stars({ score }) {
  const n = starsFor(score);
  const fills = [0, 1, 2, 3, 4].map((i) => (n >= i + 1 ? 1 : n >= i + 0.5 ? 0.5 : 0));
  const label = `${n} out of 5 stars`;
  return (
    <span className="stars" role="img" aria-label={label} data-stars={n} title={label}>
      {fills.map((f, i) => <Star key={i} fill={f} />)}
      <span className="stars-text" aria-hidden="true">{n} / 5</span>
    </span>
  );
}
