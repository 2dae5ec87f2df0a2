// A short confirmation after an action ("Ann is disabled."), announced
// politely to screen readers.
export function Notice({ children }) {
  if (!children) return null;
  return <p className="notice" role="status">{children}</p>;
}
