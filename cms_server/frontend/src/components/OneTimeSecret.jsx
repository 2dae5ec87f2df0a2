// Something the server shows only once (a temporary password, recovery
// codes): in a box that says so, as selectable text.
export function OneTimeSecret({ title, children, testId }) {
  return (
    <section className="one-time" aria-label={title} data-testid={testId}>
      <h2>{title}</h2>
      <p className="one-time-warning">Shown only this once: copy it now and keep it somewhere safe.</p>
      {children}
    </section>
  );
}
