// The form's own message from the server (not tied to one field).
export function FormError({ error }) {
  if (!error) return null;
  return <p className="form-error" role="alert">{error}</p>;
}
