// The course browser: search, sort (date, CPD points, cost; both
// directions), a date range (today to 31 December next year by default)
// and the matching courses, a page at a time.
import { useEffect, useState } from 'preact/hooks';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { BackLink } from '../components/BackLink.jsx';
import { BrowseFilters } from '../components/BrowseFilters.jsx';
import { CourseEntries } from '../components/CourseEntries.jsx';
import { LoadError, Loading } from '../components/Status.jsx';
import { api } from '../lib/api.js';
import { defaultDateRange } from '../lib/format.js';
import { useStored } from '../lib/store.js';

const PAGE_SIZE = 20;
const SORT_PARAM = { date: 0, cpd: 1, cost: 2 };

function defaults() {
  const r = defaultDateRange();
  return { search: '', key: 'date', dir: 'asc', from: r.from, to: r.to };
}

export function CourseBrowser() {
  const [filters, setFilters] = useStored('browse', defaults());
  const f = { ...defaults(), ...filters };
  const rangeError = f.from && f.to && f.from > f.to ? 'The start of the range is after its end.' : null;
  const filterKey = JSON.stringify([f.search, f.key, f.dir, f.from, f.to]);

  const [pageCount, setPageCount] = useState({ key: filterKey, n: 1 });
  const wanted = pageCount.key === filterKey ? pageCount.n : 1;
  const [pages, setPages] = useState({ key: null, list: [], total: 0 });
  const [state, setState] = useState({ loading: true, error: null, attempt: 0 });

  useEffect(() => {
    if (rangeError) return undefined;
    const have = pages.key === filterKey ? pages.list.length : 0;
    if (have >= wanted) return undefined;
    const page = have + 1;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    api.browseCourses({
      sort: SORT_PARAM[f.key] ?? 0,
      order: f.dir === 'desc' ? 1 : 0,
      from: f.from,
      to: f.to,
      search: f.search.trim(),
      page,
      pageSize: PAGE_SIZE,
    }, { signal: ctl.signal }).then(
      (body) => {
        if (ctl.signal.aborted) return;
        setPages((p) => {
          const list = p.key === filterKey ? p.list.slice(0, page - 1) : [];
          list[page - 1] = body.results;
          return { key: filterKey, list, total: body.total };
        });
        setState((s) => ({ ...s, loading: false }));
      },
      (error) => { if (!ctl.signal.aborted) setState((s) => ({ ...s, loading: false, error })); },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filterKey, wanted, state.attempt, rangeError]);

  const current = pages.key === filterKey;
  const shown = pages.list.flat();
  const total = pages.total;
  const retry = () => setState((s) => ({ ...s, attempt: s.attempt + 1 }));

  return (
    <>
      <BackLink href="/">Home</BackLink>
      <ScreenHeading title="Browse CPD courses">Browse CPD courses</ScreenHeading>
      <BrowseFilters
        value={f}
        rangeError={rangeError}
        onChange={(patch) => setFilters((old) => ({ ...defaults(), ...old, ...patch }))}
        onReset={() => setFilters(() => defaults())}
      />
      <section className="browse-results" aria-labelledby="browse-count">
        <h2 id="browse-count" className="result-count" aria-live="polite" data-testid="result-count">
          {rangeError ? 'No results' : !current && state.loading ? 'Searching…'
            : `${total} ${total === 1 ? 'course' : 'courses'}${shown.length < total ? ` (showing ${shown.length})` : ''}`}
        </h2>
        {state.error && <LoadError error={state.error} onRetry={retry} />}
        {!rangeError && (current || !state.loading) && (
          <CourseEntries
            courses={current ? shown : []}
            busy={state.loading}
            label="Courses"
            empty="No courses match. Try other words or a wider date range."
          />
        )}
        {!rangeError && !current && state.loading && <Loading what="Searching" />}
        {current && shown.length < total && (
          <p className="more">
            <button
              type="button"
              className="button"
              disabled={state.loading}
              onClick={() => setPageCount({ key: filterKey, n: pages.list.length + 1 })}
            >
              {state.loading ? 'Loading…' : 'Show more courses'}
            </button>
          </p>
        )}
      </section>
    </>
  );
}
