// A course's history, oldest first (as the server sends it): workflow steps (from → to) and edits
// with each changed field's old and new value, who, when and the comment.
import { dateTime } from '../lib/format.js';
import { FIELD_LABELS, dayOf, stateLabel } from '../lib/courses.js';

function show(v) {
  if (v === null || v === undefined || v === '') return '(none)';
  if (Array.isArray(v) && v.length === 0) return '(none)';
  if (Array.isArray(v) && v.every((d) => d && typeof d === 'object' && 'start' in d)) {
    return v.map((d) => `${dayOf(d.start)}${d.end ? ` to ${dayOf(d.end)}` : ''}`).join('; ');
  }
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) return v.join(', ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// {field: {old, new}} or [{field, old, new}], else the differences
// between before and after.
function changesOf(e) {
  const c = e.changes || e.changed || e.fields;
  if (Array.isArray(c)) return c.map((x) => ({ field: x.field || x.name, old: x.old ?? x.before ?? x.from, new: x.new ?? x.after ?? x.to }));
  if (c && typeof c === 'object') {
    return Object.entries(c).map(([field, x]) => (x && typeof x === 'object' && ('old' in x || 'new' in x || 'before' in x)
      ? { field, old: x.old ?? x.before, new: x.new ?? x.after }
      : { field, old: undefined, new: x }));
  }
  const b = e.before && typeof e.before === 'object' ? e.before : {};
  const a = e.after && typeof e.after === 'object' ? e.after : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).map((k) => ({ field: k, old: b[k], new: a[k] }));
}

// Bookkeeping members of a created or deleted course, not worth a line.
const QUIET = new Set(['id', 'created_at', 'updated_at', 'source_ref', 'edited_fields', 'duplicates', 'state']);

function Entry({ e }) {
  const at = e.at || e.when || e.created_at;
  const b = e.before && typeof e.before === 'object' ? e.before : {};
  const a = e.after && typeof e.after === 'object' ? e.after : {};
  const from = e.from_state ?? b.state;
  const to = e.to_state ?? a.state;
  const moved = typeof to === 'string' && to !== from;
  const whole = !e.before || !e.after;
  const changes = changesOf(e)
    .filter((c) => !(moved && (c.field === 'state' || c.field === 'app_course_id')))
    .filter((c) => !(whole && QUIET.has(c.field)))
    .filter((c) => !(whole && (c.old === null || c.old === undefined) && (c.new === null || c.new === undefined)));
  return (
    <li className="row history-entry" data-testid="history-entry">
      <span className="row-meta">
        <time dateTime={at}>{dateTime(at)}</time>
        <span className="audit-who">{e.actor || e.who || '(system)'}</span>
        <span className="audit-what">{e.action || e.transition || ''}</span>
      </span>
      {moved && <span className="history-move">{stateLabel(from) || '(new)'} → {stateLabel(to)}</span>}
      {changes.length > 0 && (
        <ul className="history-changes">
          {changes.map((c) => (
            <li key={c.field}>
              <span className="history-field">{FIELD_LABELS[c.field] || c.field}:</span>{' '}
              <del>{show(c.old)}</del> → <ins>{show(c.new)}</ins>
            </li>
          ))}
        </ul>
      )}
      {e.comment && <span className="audit-comment">“{e.comment}”</span>}
    </li>
  );
}

export function CourseHistory({ entries }) {
  if (entries.length === 0) return <p className="empty">No history yet.</p>;
  return <ol className="rows rows-dense" data-testid="history">{entries.map((e, i) => <Entry key={e.id || i} e={e} />)}</ol>;
}
