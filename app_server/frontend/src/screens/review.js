// The full review's state (sessionStorage key "review") and where each
// step goes next. Steps: where (Legal Support only) → role → goal →
// next (when preparing for the next role) → questions → results.

// The role whose competencies are asked: the next role when preparing
// for it, otherwise the current one.
export function askedRole(review) {
  if (review.goal === 0) return review.next || null;
  return review.role || null;
}
