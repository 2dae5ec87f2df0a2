// Proposed refreshes of published courses: for each, the fields the
// scraper found changed (value in the App → value found), with Apply
// (through the router into the App, audited) and Dismiss. Only a user
// with courses.publish gets the buttons; the server checks again.
import { useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import { FIELD_LABELS } from '../lib/courses.js';
import { valueText } from '../lib/scrapers.js';
import { useForm } from '../lib/useForm.js';
import { Link } from '../lib/router.jsx';
import { FormError } from './FormError.jsx';

function Proposal({ p, canPublish, onDone }) {
  const f = useForm([]);
  const act = async (what) => {
    const r = await f.submit(() => (what === 'apply' ? api.applyProposal(p.id) : api.dismissProposal(p.id)));
    if (r) onDone(what === 'apply' ? `“${p.name || `Course ${p.courseId}`}” refreshed in the App.` : `The refresh of “${p.name || `Course ${p.courseId}`}” is dismissed.`);
  };
  const title = p.name || (p.courseId !== null ? `Course ${p.courseId}` : `Proposal ${p.id}`);
  return (
    <li className="row proposal" data-testid="proposal" aria-labelledby={`proposal-${p.id}`}>
      <h3 id={`proposal-${p.id}`} className="row-title">
        {p.courseId !== null
          ? <Link href={`/cms/courses/published/${encodeURIComponent(p.courseId)}`}>{title}</Link>
          : title}
      </h3>
      <span className="row-meta">
        {p.spider && <span>spider {p.spider}</span>}
        {p.at && <time dateTime={p.at}>found {dateTime(p.at)}</time>}
      </span>
      {p.changes.length === 0
        ? <p className="empty">No field differs any more.</p>
        : (
          <ul className="proposal-changes">
            {p.changes.map((c) => (
              <li key={c.field} data-field={c.field}>
                <span className="history-field">{FIELD_LABELS[c.field] || c.field}:</span>{' '}
                <del>{valueText(c.old)}</del> <span aria-hidden="true">→</span><span className="visually-hidden">becomes</span> <ins>{valueText(c.new)}</ins>
              </li>
            ))}
          </ul>
        )}
      <FormError error={f.error} />
      {canPublish && (
        <div className="actions">
          <button type="button" className="button button-primary" disabled={f.busy} onClick={() => act('apply')}
            aria-describedby={`proposal-${p.id}`}>Apply</button>
          <button type="button" className="button" disabled={f.busy} onClick={() => act('dismiss')}
            aria-describedby={`proposal-${p.id}`}>Dismiss</button>
        </div>
      )}
    </li>
  );
}

export function ProposalList({ proposals, canPublish, onChanged }) {
  const [notice, setNotice] = useState('');
  const status = useRef(null);
  // The proposal and its buttons go away: focus moves to the outcome.
  const done = (text) => {
    setNotice(text);
    onChanged();
    if (status.current) status.current.focus();
  };
  return (
    <>
      <p className="notice-slot" role="status" tabIndex={-1} ref={status}>{notice}</p>
      {proposals.length === 0
        ? <p className="empty" data-testid="no-proposals">No refreshes proposed.</p>
        : <ul className="rows" data-testid="proposals">{proposals.map((p) => <Proposal key={p.id} p={p} canPublish={canPublish} onDone={done} />)}</ul>}
      {!canPublish && proposals.length > 0 && <p className="hint">Applying a refresh needs the permission to publish courses.</p>}
    </>
  );
}
