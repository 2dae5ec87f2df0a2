// What a screen shows while its data loads, or when loading failed.

export function Loading({ what = 'Loading' }) {
  return <p className="status" role="status">{what}…</p>;
}

export function LoadError({ error, onRetry }) {
  return (
    <div className="status status-error" role="alert">
      <p>{error && error.message ? error.message : 'Something went wrong.'}</p>
      {onRetry && <button type="button" className="button" onClick={onRetry}>Try again</button>}
    </div>
  );
}

// Renders children(data) once data is there; loading and error states
// otherwise.
export function Loaded({ state, what, children }) {
  if (state.error) return <LoadError error={state.error} onRetry={state.retry} />;
  if (state.data === null || state.data === undefined) return <Loading what={what} />;
  return children(state.data);
}
