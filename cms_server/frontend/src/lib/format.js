// Dates and values as the CMS shows them.

// "2026-11-28T09:01:43Z" → "28 Nov 2026, 09:01:43" in the user's zone.
export function dateTime(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return d.toLocaleString('en-GB', {
    day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

// A before/after value of the audit log as readable text.
export function auditValue(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 2);
}
