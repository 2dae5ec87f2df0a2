// The audit log with filters (who, what, from/to dates) and pages. The
// filters and the page live in the URL, so a reload or a shared link
// shows the same rows.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { navigate, useSearch } from '../lib/router.jsx';
import { useApi } from '../lib/useApi.js';
import { AuditEntry } from '../components/AuditEntry.jsx';
import { Field } from '../components/Field.jsx';
import { Pager } from '../components/Pager.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { LoadError, Loading } from '../components/Status.jsx';

const PAGE_SIZE = 50;
const KEYS = ['who', 'what', 'from', 'to'];

// Suggestions for "What" (the server matches what is typed).
const ACTIONS = [
  'auth.login', 'auth.logout', 'auth.recovery_code_used', 'account.password_change', 'account.totp_enable',
  'user.create', 'user.disable', 'user.enable', 'user.reset_password', 'user.reset_totp', 'user.groups',
  'group.create', 'group.update', 'group.delete', 'group.providers',
];

function readFilters(search) {
  const q = new URLSearchParams(search);
  const f = {};
  for (const k of KEYS) f[k] = q.get(k) || '';
  f.page = Math.max(1, Number(q.get('pg')) || 1);
  return f;
}

function show(filters) {
  const q = new URLSearchParams();
  for (const k of KEYS) if (filters[k]) q.set(k, filters[k]);
  if (filters.page > 1) q.set('pg', String(filters.page));
  const s = q.toString();
  navigate(`/cms/audit${s ? `?${s}` : ''}`, { replace: true });
}

function Filters({ initial, fields }) {
  const [f, setF] = useState(initial);
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const onSubmit = (e) => { e.preventDefault(); show({ ...f, page: 1 }); };
  const clear = () => { const empty = { who: '', what: '', from: '', to: '', page: 1 }; setF(empty); show(empty); };
  return (
    <form className="form filters" onSubmit={onSubmit} role="search" aria-label="Filter the audit log" noValidate>
      <div className="filter-fields">
        <Field id="who" label="Who" value={f.who} onInput={set('who')} error={fields.who} autoCapitalize="none" spellcheck={false} />
        <Field id="what" label="What" value={f.what} onInput={set('what')} error={fields.what} list="audit-actions"
          autoCapitalize="none" spellcheck={false} />
        <datalist id="audit-actions">{ACTIONS.map((a) => <option key={a} value={a} />)}</datalist>
        <Field id="from" label="From" type="date" value={f.from} onInput={set('from')} error={fields.from} />
        <Field id="to" label="To" type="date" value={f.to} onInput={set('to')} error={fields.to} />
      </div>
      <div className="actions">
        <button type="submit" className="button button-primary">Show</button>
        <button type="button" className="button" onClick={clear}>Clear filters</button>
      </div>
    </form>
  );
}

export function Audit() {
  const search = useSearch();
  const filters = readFilters(search);
  const state = useApi((signal) => api.audit({ ...filters, pageSize: PAGE_SIZE }, { signal }), [search]);
  const fieldErrors = (state.error && state.error.fields) || {};
  return (
    <>
      <ScreenHeading>Audit log</ScreenHeading>
      <Filters initial={filters} fields={fieldErrors} />
      <section aria-labelledby="entries-heading" aria-busy={state.loading ? 'true' : 'false'}>
        <h2 id="entries-heading" className="visually-hidden">Entries</h2>
        {state.error && <LoadError error={state.error} onRetry={state.retry} />}
        {!state.error && !state.data && <Loading what="Loading the log" />}
        {state.data && (
          <>
            <p className="count" data-testid="audit-count">{state.data.total === 1 ? '1 entry' : `${state.data.total} entries`}</p>
            {state.data.entries.length === 0
              ? <p className="empty">Nothing matches these filters.</p>
              : <ol className="rows rows-dense" data-testid="audit">{state.data.entries.map((e, i) => <AuditEntry key={e.id || i} entry={e} />)}</ol>}
            <Pager page={filters.page} pageSize={state.data.pageSize} total={state.data.total}
              onPage={(p) => show({ ...filters, page: p })} />
          </>
        )}
      </section>
    </>
  );
}
