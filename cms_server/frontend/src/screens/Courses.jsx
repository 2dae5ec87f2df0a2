// The course lists, as two tabs: the review queue (scraped rows in the
// CMS database, by state, provider, spider and search) and the published
// courses (the App database: search, provider, sort, order). Filters and
// the page live in the URL, so a reload or a shared link shows the same
// rows. The server filters, sorts and pages.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { Link, navigate, useSearch } from '../lib/router.jsx';
import { useApi } from '../lib/useApi.js';
import { useForm } from '../lib/useForm.js';
import { hasPermission, useSession } from '../lib/session.js';
import { FormError } from '../components/FormError.jsx';
import { Notice } from '../components/Notice.jsx';
import { STATES, dayOf, stateLabel, toLists } from '../lib/courses.js';
import { Field } from '../components/Field.jsx';
import { Pager } from '../components/Pager.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { SelectField } from '../components/SelectField.jsx';
import { LoadError, Loading } from '../components/Status.jsx';
import { WorkflowDiagram } from '../components/WorkflowDiagram.jsx';

const PAGE_SIZE = 25;

const TABS = {
  review: { path: '/cms/courses', label: 'Review queue', kind: 'scraped', keys: ['state', 'provider', 'spider', 'q'] },
  published: { path: '/cms/courses/published', label: 'Published', kind: 'published', keys: ['q', 'provider', 'from', 'to', 'sort', 'order'] },
};

const SORTS = [
  { value: '', label: 'Name' },
  { value: 'provider', label: 'Provider' },
  { value: 'start', label: 'Earliest date' },
  { value: 'cost', label: 'Cost' },
  { value: 'cpd', label: 'CPD points' },
];

function readFilters(tab, search) {
  const q = new URLSearchParams(search);
  const f = {};
  for (const k of TABS[tab].keys) f[k] = q.get(k) || '';
  f.page = Math.max(1, Number(q.get('pg')) || 1);
  return f;
}

function show(tab, filters) {
  const q = new URLSearchParams();
  for (const k of TABS[tab].keys) if (filters[k]) q.set(k, filters[k]);
  if (filters.page > 1) q.set('pg', String(filters.page));
  const s = q.toString();
  navigate(`${TABS[tab].path}${s ? `?${s}` : ''}`, { replace: true });
}

function Tabs({ tab }) {
  return (
    <nav aria-label="Course lists" className="tabs">
      <ul>
        {Object.entries(TABS).map(([k, t]) => (
          <li key={k}>
            <Link href={t.path} className={k === tab ? 'tab tab-current' : 'tab'} aria-current={k === tab ? 'page' : undefined}>{t.label}</Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Filters({ tab, initial, fields, spiders }) {
  const [f, setF] = useState(initial);
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const onSubmit = (e) => { e.preventDefault(); show(tab, { ...f, page: 1 }); };
  const clear = () => {
    const empty = { page: 1 };
    for (const k of TABS[tab].keys) empty[k] = '';
    setF(empty);
    show(tab, empty);
  };
  return (
    <form className="form filters" onSubmit={onSubmit} role="search" aria-label={`Filter the ${TABS[tab].label.toLowerCase()}`} noValidate>
      <div className="filter-fields">
        <Field id="q" label="Search names" type="search" value={f.q} onInput={set('q')} error={fields.q} />
        <Field id="filter-provider" label="Provider" value={f.provider} onInput={set('provider')} error={fields.provider} />
        {tab === 'review' && (
          <>
            <SelectField id="state" label="State" value={f.state} onChange={set('state')} error={fields.state}>
              <option value="">Any state</option>
              {STATES.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
            </SelectField>
            <Field id="spider" label="Spider" value={f.spider} onInput={set('spider')} error={fields.spider}
              list={spiders.length ? 'spider-names' : undefined} autoCapitalize="none" spellcheck={false} />
            {spiders.length > 0 && <datalist id="spider-names">{spiders.map((s) => <option key={s} value={s} />)}</datalist>}
          </>
        )}
        {tab === 'published' && (
          <>
            <Field id="from" label="Runs from" type="date" value={f.from} onInput={set('from')} error={fields.from} />
            <Field id="to" label="Runs until" type="date" value={f.to} onInput={set('to')} error={fields.to} />
            <SelectField id="sort" label="Sort by" value={f.sort} onChange={set('sort')} error={fields.sort}>
              {SORTS.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
            </SelectField>
            <SelectField id="order" label="Order" value={f.order} onChange={set('order')} error={fields.order}>
              <option value="">Ascending</option>
              <option value="desc">Descending</option>
            </SelectField>
          </>
        )}
      </div>
      <div className="actions">
        <button type="submit" className="button button-primary">Show</button>
        <button type="button" className="button" onClick={clear}>Clear filters</button>
      </div>
    </form>
  );
}

function firstStart(c) {
  const ds = c.dates || c.date_ranges || (c.date_range ? [c.date_range] : []);
  const d = Array.isArray(ds) && ds.length ? (ds[0].start ?? ds[0].start_at) : (c.start || c.next_start);
  return d ? dayOf(d) : '';
}

function isDuplicate(c) {
  if (Array.isArray(c.duplicates)) return c.duplicates.length > 0;
  return Boolean(c.duplicate || c.is_duplicate || c.duplicate_of || c.duplicate_count);
}

function CourseRow({ tab, c }) {
  const start = firstStart(c);
  const state = c.state || c.status;
  return (
    <li className="row" data-testid="course-row">
      <Link href={`/cms/courses/${tab}/${encodeURIComponent(c.id)}`} className="row-title">{c.name || '(no name)'}</Link>
      <span className="row-meta">
        <span>{c.provider || 'No provider'}</span>
        {start && <span>starts {start}</span>}
        {(c.is_ongoing || c.ongoing) && <span>ongoing</span>}
        {(c.spider_name || c.spider) && <span>spider {c.spider_name || c.spider}</span>}
        {tab === 'review' && state && <span className="badge">{stateLabel(state)}</span>}
        {isDuplicate(c) && <span className="badge badge-warn" data-testid="duplicate-flag">Possible duplicate</span>}
      </span>
    </li>
  );
}

// Marks scraped rows whose course is already in the App as published
// (after a publish that failed between the two databases).
function Reconcile({ onDone }) {
  const f = useForm([]);
  const [notice, setNotice] = useState('');
  const run = async () => {
    setNotice('');
    const r = await f.submit(() => api.reconcile());
    if (r) {
      const n = Array.isArray(r.marked) ? r.marked.length : 0;
      setNotice(n === 0 ? 'Nothing to repair: every published course is marked.' : `${n} course${n === 1 ? '' : 's'} marked as published.`);
      if (n) onDone();
    }
  };
  return (
    <div className="reconcile">
      <FormError error={f.error} />
      <Notice>{notice}</Notice>
      <button type="button" className="button" onClick={run} disabled={f.busy}>Reconcile with the App</button>
    </div>
  );
}

export function Courses({ tab = 'review' }) {
  const me = useSession();
  const search = useSearch();
  const filters = readFilters(tab, search);
  const { kind } = TABS[tab];
  const state = useApi((signal) => api.courses(kind, { ...filters, pageSize: PAGE_SIZE }, { signal }), [tab, search]);
  const lists = useApi((signal) => api.courseLists({ signal }).then(toLists, () => toLists({})), []);
  const fieldErrors = (state.error && state.error.fields) || {};
  return (
    <>
      <ScreenHeading title={`Courses: ${TABS[tab].label}`}>Courses</ScreenHeading>
      <Tabs tab={tab} />
      {tab === 'published' && (
        <p><Link href="/cms/courses/published/new" className="button button-primary">Add a course</Link></p>
      )}
      {tab === 'review' && hasPermission(me, 'courses.publish') && <Reconcile onDone={state.retry} />}
      <Filters key={tab} tab={tab} initial={filters} fields={fieldErrors} spiders={(lists.data && lists.data.spiders) || []} />
      <section aria-labelledby="courses-heading" aria-busy={state.loading ? 'true' : 'false'}>
        <h2 id="courses-heading" className="visually-hidden">{TABS[tab].label}</h2>
        {state.error && <LoadError error={state.error} onRetry={state.retry} />}
        {!state.error && !state.data && <Loading what="Loading the courses" />}
        {state.data && (
          <>
            <p className="count" data-testid="course-count">{state.data.total === 1 ? '1 course' : `${state.data.total} courses`}</p>
            {state.data.results.length === 0
              ? <p className="empty">No course matches these filters.</p>
              : <ul className="rows" data-testid="courses">{state.data.results.map((c) => <CourseRow key={c.id} tab={tab} c={c} />)}</ul>}
            <Pager page={filters.page} pageSize={state.data.pageSize} total={state.data.total}
              onPage={(p) => show(tab, { ...filters, page: p })} />
          </>
        )}
      </section>
      <WorkflowDiagram />
    </>
  );
}
