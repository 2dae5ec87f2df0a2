// useApi(load, deps), shared by the App and the CMS: runs load(signal)
// when deps change and returns {data, error, loading, retry}. A newer
// request aborts the older one, so a slow answer never overwrites a newer
// one.
import { useEffect, useState, useCallback } from 'preact/hooks';

export function useApi(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, error: null, loading: true }));
    Promise.resolve()
      .then(() => load(ctl.signal))
      .then(
        (data) => { if (!ctl.signal.aborted) setState({ data, error: null, loading: false }); },
        (error) => { if (!ctl.signal.aborted) setState({ data: null, error, loading: false }); },
      );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, attempt]);

  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  return { ...state, retry };
}
