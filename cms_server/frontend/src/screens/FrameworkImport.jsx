// Framework import (permission framework.import): choose the sheet files,
// each is matched to its sheet by file name (or chosen by hand) and
// uploaded as the raw request body; "Check" runs the shared importer and
// shows its report and the differences from the live framework; "Apply"
// (only without errors) replaces the framework through the router and
// tells the App.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { useForm } from '../lib/useForm.js';
import { FormError } from '../components/FormError.jsx';
import { Notice } from '../components/Notice.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';

export const SHEETS = ['verticals', 'competencies', 'job_roles', 'tech_roles', 'tech_competencies', 'needs', 'levels', 'formats', 'courses'];

// "LIFTED Job Roles (v3).ods" → job_roles; the longest sheet name found
// wins, so "tech_competencies.csv" is not taken for "competencies".
export function sheetFor(fileName) {
  const base = fileName.toLowerCase().replace(/\.(ods|csv)$/, '').replace(/[^a-z0-9]+/g, '_');
  const found = SHEETS.filter((s) => `_${base}_`.includes(`_${s}_`) || base === s);
  if (found.length) return found.sort((a, b) => b.length - a.length)[0];
  const loose = SHEETS.filter((s) => base.replace(/_/g, '').includes(s.replace(/_/g, '')));
  return loose.sort((a, b) => b.length - a.length)[0] || '';
}

export function formatOf(fileName) {
  const m = /\.(ods|csv)$/i.exec(fileName);
  return m ? m[1].toLowerCase() : '';
}

function kb(n) {
  return n < 1024 ? `${n} bytes` : `${Math.round(n / 1024)} KB`;
}

function FileRow({ item, onSheet, index }) {
  const id = `sheet-${index}`;
  return (
    <li className="row upload-row" data-testid="upload-row">
      <span className="row-title">{item.file.name}</span>
      <span className="row-meta">
        <span>{kb(item.file.size)}</span>
        <span>{item.format ? item.format.toUpperCase() : 'not .ods or .csv'}</span>
        {item.status && <span className={item.status === 'uploaded' ? 'badge' : 'badge badge-off'}>{item.status}</span>}
      </span>
      <div className="field field-inline">
        <label htmlFor={id}>Sheet</label>
        <select id={id} value={item.sheet} onChange={(e) => onSheet(e.currentTarget.value)}>
          <option value="">Not a sheet (skip)</option>
          {SHEETS.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </div>
      {item.error && <p className="field-error">{item.error}</p>}
    </li>
  );
}

function issueText(i) {
  if (typeof i === 'string') return { where: '', message: i };
  const where = [i.sheet, i.row !== undefined && i.row !== null ? `row ${i.row}` : '', i.column ? `column ${i.column}` : '']
    .filter(Boolean).join(', ');
  return { where, message: i.message || i.text || i.error || JSON.stringify(i) };
}

function Issues({ title, items, kind }) {
  if (!items.length) return null;
  return (
    <section aria-labelledby={`${kind}-heading`}>
      <h3 id={`${kind}-heading`}>{title} ({items.length})</h3>
      <ul className={`issues issues-${kind}`} data-testid={`report-${kind}`}>
        {items.slice(0, 500).map((x, i) => {
          const t = issueText(x);
          // eslint-disable-next-line react/no-array-index-key
          return <li key={i}>{t.where && <span className="issue-where">{t.where}: </span>}{t.message}</li>;
        })}
      </ul>
      {items.length > 500 && <p className="hint">And {items.length - 500} more.</p>}
    </section>
  );
}

// The diff: per table, counts and the names of what is added, removed
// or changed (whatever the server sends, shown plainly).
function listOf(v) {
  if (Array.isArray(v)) return v;
  if (Number.isFinite(v)) return null;
  return [];
}

function label(x) {
  if (typeof x !== 'object' || x === null) return String(x);
  const was = x.was !== undefined && x.was !== null ? ` (was ${x.was})` : '';
  return ([x.id !== undefined ? `#${x.id}` : '', x.name || x.title || x.text || ''].filter(Boolean).join(' ') || JSON.stringify(x)) + was;
}

function Diff({ diff }) {
  if (!diff || typeof diff !== 'object') return null;
  const tables = Array.isArray(diff) ? diff.map((d) => [d.table || d.sheet || d.name, d]) : Object.entries(diff);
  if (!tables.length) return <p className="empty">No differences from the live framework.</p>;
  return (
    <section aria-labelledby="diff-heading">
      <h3 id="diff-heading">Differences from the live framework</h3>
      <div className="table-scroll" role="region" aria-labelledby="diff-heading" tabIndex={0}>
      <table className="diff" data-testid="diff">
        <thead><tr><th scope="col">Table</th><th scope="col">Live</th><th scope="col">New</th><th scope="col">Added</th><th scope="col">Removed</th><th scope="col">Changed</th></tr></thead>
        <tbody>
          {tables.map(([name, d]) => {
            const n = (k) => {
              const v = d && d[k];
              if (Number.isFinite(v)) return v;
              if (Array.isArray(v)) return v.length;
              return 0;
            };
            return (
              <tr key={name}>
                <th scope="row">{name.replace(/_/g, ' ')}</th>
                <td>{d && Number.isFinite(d.live) ? d.live : ''}</td><td>{d && Number.isFinite(d.new) ? d.new : ''}</td>
                <td>{n('added')}</td><td>{n('removed')}</td><td>{n('changed')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </div>
      {tables.map(([name, d]) => {
        const parts = ['added', 'removed', 'changed'].map((k) => [k, listOf(d && d[k])]).filter(([, l]) => l && l.length);
        if (!parts.length) return null;
        return (
          <details key={name} className="diff-detail">
            <summary>{name.replace(/_/g, ' ')}</summary>
            {parts.map(([k, l]) => (
              <div key={k}>
                <h4>{k}</h4>
                <ul>{l.slice(0, 200).map((x, i) => <li key={i}>{label(x)}</li>)}</ul>
                {l.length > 200 && <p className="hint">And {l.length - 200} more.</p>}
              </div>
            ))}
          </details>
        );
      })}
    </section>
  );
}

function reportOf(r) {
  const rep = (r && (r.report || r)) || {};
  const all = Array.isArray(rep.issues) ? rep.issues : [];
  const errors = Array.isArray(rep.errors) ? rep.errors : all.filter((i) => (i.level || i.severity) === 'error');
  const warnings = Array.isArray(rep.warnings) ? rep.warnings : all.filter((i) => (i.level || i.severity) === 'warning');
  return {
    errors, warnings, counts: rep.counts || (r && r.counts) || null, diff: (r && r.diff) || rep.diff || null,
    diffError: (r && r.diff_error) || '',
  };
}

function Counts({ counts }) {
  if (!counts || typeof counts !== 'object') return null;
  return (
    <ul className="counts" data-testid="counts">
      {Object.entries(counts).map(([k, v]) => <li key={k}><span className="counts-name">{k}</span> {String(v)}</li>)}
    </ul>
  );
}

export function FrameworkImport() {
  const [items, setItems] = useState([]);
  const [report, setReport] = useState(null);
  const [applied, setApplied] = useState(null);
  const form = useForm([]);

  const onFiles = (e) => {
    const files = Array.from(e.currentTarget.files || []);
    setItems(files.map((file) => ({ file, sheet: sheetFor(file.name), format: formatOf(file.name), status: '', error: '' })));
    setReport(null);
    setApplied(null);
    form.reset();
  };
  const setSheet = (i, sheet) => setItems(items.map((it, j) => (j === i ? { ...it, sheet } : it)));

  const chosen = items.filter((it) => it.sheet && it.format);
  const sheetsTwice = SHEETS.filter((s) => chosen.filter((it) => it.sheet === s).length > 1);

  // Uploads every chosen file (one request each), then checks.
  const check = () => form.submit(async () => {
    setReport(null);
    setApplied(null);
    // Start from an empty staging area: no sheet of an earlier attempt
    // is checked with these.
    await api.discardSheets();
    const next = items.map((it) => ({ ...it, status: '', error: '' }));
    for (let i = 0; i < next.length; i++) {
      const it = next[i];
      if (!it.sheet || !it.format) continue;
      try {
        await api.uploadSheet(it.sheet, it.format, it.file);
        next[i] = { ...it, status: 'uploaded' };
      } catch (e) {
        next[i] = { ...it, status: 'failed', error: e.message };
        setItems([...next]);
        throw e;
      }
      setItems([...next]);
    }
    const r = await api.checkFramework();
    setReport(reportOf(r));
    return r;
  });

  const apply = () => form.submit(async () => {
    const r = await api.applyFramework();
    setApplied(r || {});
    return r || {};
  });

  const errors = report ? report.errors.length : 0;
  return (
    <>
      <ScreenHeading>Framework import</ScreenHeading>
      <p className="lead">Replace the competency framework from its spreadsheets. Nothing changes until you apply.</p>
      <form className="form" onSubmit={(e) => { e.preventDefault(); check(); }} noValidate aria-label="Framework sheets">
        <FormError error={form.error} />
        <div className="field">
          <label htmlFor="sheets">Sheet files (.ods or .csv)</label>
          <p id="sheets-hint" className="field-hint">One file per sheet: {SHEETS.join(', ')}. Each is matched to its sheet by its name; courses is optional.</p>
          <input id="sheets" type="file" multiple accept=".ods,.csv" aria-describedby="sheets-hint" onChange={onFiles} />
        </div>
        {items.length > 0 && (
          <ul className="rows" data-testid="uploads">
            {items.map((it, i) => <FileRow key={`${it.file.name}-${i}`} index={i} item={it} onSheet={(s) => setSheet(i, s)} />)}
          </ul>
        )}
        {sheetsTwice.length > 0 && <p className="field-error">More than one file for: {sheetsTwice.join(', ')}.</p>}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={form.busy || chosen.length === 0 || sheetsTwice.length > 0}>
            Upload and check
          </button>
          {form.busy && <span role="status">Working…</span>}
        </div>
      </form>

      {report && (
        <section className="report" aria-labelledby="report-heading" data-testid="report">
          <h2 id="report-heading">Report</h2>
          <p className={errors ? 'form-error' : 'notice'} role="status" data-testid="report-summary">
            {errors ? `${errors} error${errors === 1 ? '' : 's'}: fix the sheets and check again.` : 'No errors.'}
            {report.warnings.length ? ` ${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'}.` : ''}
          </p>
          <Counts counts={report.counts} />
          <Issues title="Errors" items={report.errors} kind="errors" />
          <Issues title="Warnings" items={report.warnings} kind="warnings" />
          {report.diffError && <p className="form-error">The differences could not be worked out: {report.diffError}</p>}
          <Diff diff={report.diff} />
          <div className="actions">
            <button type="button" className="button button-primary" disabled={form.busy || errors > 0 || Boolean(applied)} onClick={apply}>
              Apply to the App
            </button>
            {errors > 0 && <span className="hint">Apply is possible once there are no errors.</span>}
          </div>
        </section>
      )}
      {applied && (
        <section aria-labelledby="applied-heading" data-testid="applied">
          <h2 id="applied-heading">Applied</h2>
          <Notice>The new framework is live. The App picks it up without a restart.</Notice>
          <Counts counts={applied.counts} />
          <p><a href="/">Open the App</a></p>
        </section>
      )}
    </>
  );
}
