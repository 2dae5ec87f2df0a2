// A course's brochure (PDF) and logo (PNG, JPEG or WebP): what it has now,
// with a link through a fresh signed URL, and a file input that uploads a
// replacement as the raw request body (docs/media.md). The server sniffs
// the type; its message is shown as it is.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { useApi } from '../lib/useApi.js';
import { FormError } from './FormError.jsx';
import { Notice } from './Notice.jsx';
import { Loaded } from './Status.jsx';

const ITEMS = [
  { what: 'brochure', label: 'Brochure (PDF)', accept: 'application/pdf,.pdf' },
  { what: 'logo', label: 'Logo (PNG, JPEG or WebP)', accept: 'image/png,image/jpeg,image/webp' },
];

function sizeText(n) {
  if (!Number.isFinite(n)) return '';
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

function MediaItem({ kind, id, item, current, onDone }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const inputId = `media-${item.what}`;
  const onChange = async (e) => {
    const input = e.currentTarget;
    const file = input.files && input.files[0];
    if (!file) return;
    setBusy(true);
    setError('');
    try {
      await api.uploadMedia(kind, id, item.what, file);
      onDone(`${item.label}: uploaded.`);
    } catch (err) {
      setError(`Not uploaded: ${err.message}`);
    } finally {
      setBusy(false);
      input.value = '';
    }
  };
  return (
    <div className="field media-item" data-testid={`media-${item.what}`}>
      <label htmlFor={inputId}>{item.label}</label>
      {current ? (
        <p className="hint">
          {item.what === 'logo' && current.url && <img className="media-logo" src={current.url} alt="" />}
          {current.url ? <a href={current.url} target="_blank" rel="noopener noreferrer">{current.name || 'The current file'}</a>
            : (current.name || 'A file')}
          {current.size ? ` (${sizeText(current.size)})` : ''}
        </p>
      ) : <p className="hint">None yet.</p>}
      <FormError error={error} />
      <input id={inputId} type="file" accept={item.accept} onChange={onChange} disabled={busy} />
      {busy && <p className="hint" role="status">Uploading…</p>}
    </div>
  );
}

export function CourseMedia({ kind, id }) {
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState('');
  const media = useApi((signal) => api.courseMedia(kind, id, { signal }), [kind, id, version]);
  const onDone = (msg) => {
    setNotice(msg);
    setVersion((v) => v + 1);
  };
  return (
    <section aria-labelledby="media-heading" data-testid="course-media">
      <h2 id="media-heading">Brochure and logo</h2>
      <p className="hint">
        Shown in the App once the course is published. A new file replaces the old one.
      </p>
      <Notice>{notice}</Notice>
      <Loaded state={media} what="Loading the brochure and logo">
        {(m) => ITEMS.map((item) => (
          <MediaItem key={item.what} kind={kind} id={id} item={item} current={m && m[item.what]} onDone={onDone} />
        ))}
      </Loaded>
    </section>
  );
}
