// useForm(): state for a form that posts to the API. submit(action) runs
// action() once at a time and keeps the server's message and its
// per-field messages ({"error", "fields": {name: message}}) for the
// fields and the form to show. A message for a field the form does not
// show goes into the form's message instead of getting lost. The fields
// shown are a list of names or a RegExp over names (for rows such as
// "dates[1].end"); a RegExp should be a module constant.
import { useCallback, useState } from 'preact/hooks';

export function useForm(shownFields = []) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [fields, setFields] = useState({});

  const submit = useCallback(async (action) => {
    setBusy(true);
    setError(null);
    setFields({});
    try {
      return await action();
    } catch (e) {
      const fs = (e && e.fields) || {};
      const msg = (e && e.message) || 'Something went wrong.';
      const shown = {};
      const other = [];
      for (const [k, v] of Object.entries(fs)) {
        const isShown = Array.isArray(shownFields) ? shownFields.includes(k) : shownFields.test(k);
        if (isShown) shown[k] = String(v);
        else if (String(v) !== msg) other.push(String(v));
      }
      setFields(shown);
      setError(other.length ? `${msg}: ${other.join('; ')}` : msg);
      return undefined;
    } finally {
      setBusy(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, Array.isArray(shownFields) ? shownFields : [shownFields]);

  const reset = useCallback(() => { setError(null); setFields({}); }, []);
  return { busy, error, fields, submit, reset };
}
