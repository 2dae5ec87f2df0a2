// A labelled <select> with the server's message for it (as Field).
export function SelectField({ id, label, hint, error, value, onChange, children, ...rest }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = error ? `${id}-error` : null;
  const described = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {hint && <p id={hintId} className="field-hint">{hint}</p>}
      <select id={id} name={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}
        aria-invalid={error ? 'true' : undefined} aria-describedby={described} {...rest}>
        {children}
      </select>
      {error && <p id={errorId} className="field-error" data-testid={`error-${id}`}>{error}</p>}
    </div>
  );
}
