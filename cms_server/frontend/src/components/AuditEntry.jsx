// One row of the audit log: when, who, what, on what; the values before
// and after, when the change has them, behind a disclosure.
import { auditValue, dateTime } from '../lib/format.js';

export function AuditEntry({ entry }) {
  const at = entry.at || entry.when || entry.time || entry.created_at;
  const who = entry.actor || entry.actor_username || entry.who || '(system)';
  const what = entry.action || entry.what;
  const target = entry.target || [entry.target_type, entry.target_id].filter((x) => x !== null && x !== undefined && x !== '').join(' ');
  const before = auditValue(entry.before);
  const after = auditValue(entry.after);
  return (
    <li className="row audit-entry" data-testid="audit-entry">
      <span className="audit-when"><time dateTime={at}>{dateTime(at)}</time></span>
      <span className="audit-who">{who}</span>
      <span className="audit-what">{what}</span>
      <span className="audit-target">{target}</span>
      {entry.comment && <span className="audit-comment">{entry.comment}</span>}
      {(before || after) && (
        <details className="audit-change">
          <summary>Change</summary>
          <div className="audit-values">
            <div><h3>Before</h3><pre>{before || '(nothing)'}</pre></div>
            <div><h3>After</h3><pre>{after || '(nothing)'}</pre></div>
          </div>
        </details>
      )}
    </li>
  );
}
