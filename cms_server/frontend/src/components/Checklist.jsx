// A fieldset of checkboxes over options [{name, description, value}];
// value is the list of checked option values (the name when an option
// has no value of its own).
export function Checklist({ id, legend, options, value, onChange, error }) {
  const valueOf = (o) => (o.value !== undefined ? o.value : o.name);
  const toggle = (v) => onChange(value.includes(v) ? value.filter((x) => x !== v) : [...value, v]);
  return (
    <fieldset className={error ? 'checklist field-invalid' : 'checklist'} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      {options.length === 0 && <p className="empty">None yet.</p>}
      {options.map((o) => (
        <div key={valueOf(o)} className="check">
          <input type="checkbox" id={`${id}-${valueOf(o)}`} checked={value.includes(valueOf(o))} onChange={() => toggle(valueOf(o))} />
          <label htmlFor={`${id}-${valueOf(o)}`}>
            <span className="check-name">{o.name}</span>
            {o.description && <span className="check-text">{o.description}</span>}
          </label>
        </div>
      ))}
      {error && <p id={`${id}-error`} className="field-error">{error}</p>}
    </fieldset>
  );
}
