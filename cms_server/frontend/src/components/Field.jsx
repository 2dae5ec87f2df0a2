// A labelled input with its hint and the server's message for it. The
// message is tied to the input (aria-describedby, aria-invalid) so a
// screen reader reads it with the field.
export function Field({ id, label, hint, error, type = 'text', value, onInput, ...rest }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = error ? `${id}-error` : null;
  const described = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {hint && <p id={hintId} className="field-hint">{hint}</p>}
      <input
        id={id}
        name={id}
        type={type}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described}
        {...rest}
      />
      {error && <p id={errorId} className="field-error" data-testid={`error-${id}`}>{error}</p>}
    </div>
  );
}
