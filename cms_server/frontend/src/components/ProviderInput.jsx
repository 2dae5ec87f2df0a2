// The provider field: a text input with the canonical provider names as
// suggestions (a <datalist> filled from /cms/api/providers?q= as the
// user types), so a known name is picked instead of a new spelling.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { Field } from './Field.jsx';

export function ProviderInput({ id = 'provider', value, onInput, error, ...rest }) {
  const [names, setNames] = useState([]);
  useEffect(() => {
    const q = value.trim();
    const ctl = new AbortController();
    // A short pause so fast typing asks once.
    const t = setTimeout(() => {
      api.providers(q, { signal: ctl.signal }).then(setNames, () => { /* no suggestions */ });
    }, 150);
    return () => { clearTimeout(t); ctl.abort(); };
  }, [value]);
  return (
    <>
      <Field id={id} label="Provider" value={value} onInput={onInput} error={error} list={`${id}-suggestions`}
        hint="Pick a known provider from the suggestions where you can." autoComplete="off" required {...rest} />
      <datalist id={`${id}-suggestions`} data-testid="provider-suggestions">
        {names.slice(0, 20).map((n) => <option key={n} value={n} />)}
      </datalist>
    </>
  );
}
