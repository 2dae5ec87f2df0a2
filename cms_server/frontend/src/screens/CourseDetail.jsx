// One course: the editor, the workflow steps open to it, its history and
// possible duplicates. `tab` is 'review' (a scraped row) or 'published'
// (a course of the App); id 'new' under published adds a course by hand.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { Link, navigate } from '../lib/router.jsx';
import { useApi } from '../lib/useApi.js';
import { useForm } from '../lib/useForm.js';
import { EDITOR_FIELDS, changedPayload, emptyCourse, stateLabel, toForm, toLists, toPayload } from '../lib/courses.js';
import { ConfirmButton } from '../components/ConfirmButton.jsx';
import { CourseForm } from '../components/CourseForm.jsx';
import { CourseHistory } from '../components/CourseHistory.jsx';
import { CourseMedia } from '../components/CourseMedia.jsx';
import { FormError } from '../components/FormError.jsx';
import { Notice } from '../components/Notice.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { LoadError, Loaded, Loading } from '../components/Status.jsx';
import { WorkflowActions } from '../components/WorkflowActions.jsx';
import { WorkflowDiagram } from '../components/WorkflowDiagram.jsx';

const KIND = { review: 'scraped', published: 'published' };

function Duplicates({ tab, list }) {
  if (!list || list.length === 0) return null;
  return (
    <section className="duplicates" aria-labelledby="duplicates-heading" data-testid="duplicates">
      <h2 id="duplicates-heading">Possible duplicates</h2>
      <p className="hint">Same name and start date from another provider or source.</p>
      <ul>
        {list.map((d) => {
          const id = typeof d === 'object' ? d.id : d;
          const where = typeof d === 'object' && d.kind === 'published' ? 'published' : tab;
          return (
            <li key={id}>
              <Link href={`/cms/courses/${where}/${encodeURIComponent(id)}`}>
                {typeof d === 'object' ? `${d.name || `Course ${id}`}${d.provider ? ` (${d.provider})` : ''}` : `Course ${id}`}
              </Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function Editor({ tab, initial, lists, onSaved, isNew, readOnly }) {
  const [form, setForm] = useState(initial);
  const [comment, setComment] = useState('');
  const f = useForm(EDITOR_FIELDS);
  useEffect(() => setForm(initial), [initial]);
  const onSubmit = async (e) => {
    e.preventDefault();
    const body = { ...(isNew ? toPayload(form) : changedPayload(initial, form)), comment: comment.trim() || undefined };
    const r = await f.submit(() => (isNew ? api.addCourse(body) : api.saveCourse(KIND[tab], body)));
    if (r) {
      setComment('');
      onSaved(r);
    } else {
      // Take the user to the first message.
      setTimeout(() => {
        const first = document.querySelector('.course-form [aria-invalid="true"]');
        if (first) first.focus();
      }, 0);
    }
  };
  return (
    <form className="form course-form" onSubmit={onSubmit} noValidate aria-label={isNew ? 'New course' : 'Edit the course'}>
      <FormError error={f.error && Object.keys(f.fields).length ? `Not saved: ${f.error}. See the messages at the fields.` : f.error} />
      <fieldset className="plain" disabled={readOnly}>
        <legend className="visually-hidden">The course</legend>
        <CourseForm form={form} setForm={setForm} fields={f.fields} lists={lists} />
      </fieldset>
      {!isNew && !readOnly && (
        <div className="field">
          <label htmlFor="edit-comment">Comment on this change (optional)</label>
          <input id="edit-comment" type="text" value={comment} onInput={(e) => setComment(e.currentTarget.value)} autoComplete="off" />
        </div>
      )}
      {!readOnly && (
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={f.busy}>{isNew ? 'Add the course' : 'Save changes'}</button>
        </div>
      )}
    </form>
  );
}

function DeleteCourse({ id }) {
  const f = useForm([]);
  const onConfirm = async () => {
    if (await f.submit(() => api.deleteCourse(id))) navigate('/cms/courses/published', { replace: true });
  };
  return (
    <section aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete</h2>
      <FormError error={f.error} />
      <p className="hint">Takes the course off the App at once.</p>
      <ConfirmButton label="Delete the course" question="Delete this course from the App?" confirmLabel="Yes, delete it"
        onConfirm={onConfirm} disabled={f.busy} />
    </section>
  );
}

export function CourseDetail({ tab, id }) {
  const isNew = tab === 'published' && id === 'new';
  const kind = KIND[tab];
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState('');
  const course = useApi((signal) => (isNew ? Promise.resolve(emptyCourse()) : api.course(kind, id, { signal }).then(toForm)), [kind, id, version]);
  const lists = useApi((signal) => api.courseLists({ signal }).then(toLists), []);
  const workflow = useApi((signal) => (tab === 'review' ? api.workflow({ signal }) : Promise.resolve(null)), [tab]);
  const history = useApi((signal) => (isNew ? Promise.resolve([]) : api.courseHistory(kind, id, { signal })), [kind, id, version]);

  const onSaved = (r) => {
    if (isNew) {
      const newId = (r && (r.id ?? (r.course && r.course.id)));
      if (newId !== undefined) navigate(`/cms/courses/published/${encodeURIComponent(newId)}`, { replace: true });
      return;
    }
    setNotice('Saved.');
    setVersion((v) => v + 1);
  };
  const onMoved = (r, t) => {
    const to = r && (r.state || r.to || (r.course && r.course.state));
    setNotice(`${t.label}: done${to ? ` — the course is now ${stateLabel(to).toLowerCase()}` : ''}.`);
    setVersion((v) => v + 1);
  };

  const c = course.data;
  const title = isNew ? 'New course' : (c && c.name) || 'Course';
  return (
    <>
      <p className="back"><Link href={tab === 'published' ? '/cms/courses/published' : '/cms/courses'} className="back-link">
        {tab === 'published' ? '← Published courses' : '← Review queue'}</Link></p>
      <ScreenHeading title={title}>{title}</ScreenHeading>
      {c && !isNew && (
        <p className="row-meta course-facts" data-testid="course-facts">
          <span className="badge" data-testid="course-state">{c.state ? stateLabel(c.state) : (tab === 'published' ? 'Published' : '')}</span>
          {c.spider && <span>From spider {c.spider}</span>}
          {c.publishedId && tab === 'review' && (
            <Link href={`/cms/courses/published/${encodeURIComponent(c.publishedId)}`}>The published course</Link>
          )}
        </p>
      )}
      <Notice>{notice}</Notice>
      {course.error && <LoadError error={course.error} onRetry={course.retry} />}
      {!course.error && !c && <Loading what="Loading the course" />}
      {c && tab === 'review' && !['scraped', 'in_review'].includes(c.state) && (
        <p className="hint" data-testid="not-editable">Only scraped courses and courses in review can be edited: send this one back to review first.</p>
      )}
      {c && (
        <Loaded state={lists} what="Loading the lists">
          {(ls) => (
            <>
              <Duplicates tab={tab} list={c.duplicates} />
              <Editor tab={tab} initial={c} lists={ls} onSaved={onSaved} isNew={isNew}
                readOnly={tab === 'review' && !['scraped', 'in_review'].includes(c.state)} />
            </>
          )}
        </Loaded>
      )}
      {c && !isNew && <CourseMedia kind={kind} id={c.id ?? id} />}
      {c && tab === 'review' && workflow.data && <WorkflowActions course={c} workflow={workflow.data} onDone={onMoved} />}
      {workflow.error && <LoadError error={workflow.error} onRetry={workflow.retry} />}
      {c && tab === 'published' && /^cms:\d+$/.test(c.sourceRef) && (
        <p className="hint">Published from the review queue: <Link href={`/cms/courses/review/${c.sourceRef.slice(4)}`}>its workflow and history there</Link> (archive, back to review).</p>
      )}
      {c && !isNew && tab === 'published' && <DeleteCourse id={c.id} />}
      {!isNew && (
        <section aria-labelledby="history-heading">
          <h2 id="history-heading">History</h2>
          <Loaded state={history} what="Loading the history">{(es) => <CourseHistory entries={es} />}</Loaded>
        </section>
      )}
      <WorkflowDiagram />
    </>
  );
}
