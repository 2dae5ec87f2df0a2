// One scrape job: its state, times and counts, a progress bar when the
// server says how far it is, and its log. While the job is queued or
// running the page asks every second (GET /cms/api/scrapers/job?id=&since=),
// appending only the log lines after `since`, and stops once the job has
// ended. A live region announces each change of state; Cancel asks the
// server to stop the job (the scraper notices at its next step).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import { Link } from '../lib/router.jsx';
import { isActive, jobError, stateLabel, toJobPoll } from '../lib/scrapers.js';
import { useForm } from '../lib/useForm.js';
import { FormError } from '../components/FormError.jsx';
import { JobCounts } from '../components/JobCounts.jsx';
import { JobState } from '../components/JobState.jsx';
import { Notice } from '../components/Notice.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { LoadError, Loading } from '../components/Status.jsx';

const POLL_MS = 1000;
const RETRY_MS = 3000;

// Polls the job; returns {job, lines, error, retry, refresh}.
function useJobPoll(id) {
  const [job, setJob] = useState(null);
  const [lines, setLines] = useState([]);
  const [error, setError] = useState(null);
  const [run, setRun] = useState(0);
  const kick = useRef(null);

  useEffect(() => {
    const ctl = new AbortController();
    let since = null;
    let count = 0;
    let timer = null;
    setError(null);
    setJob(null);
    setLines([]);
    const poll = async () => {
      timer = null;
      try {
        const data = await api.scrapeJob(id, since, { signal: ctl.signal });
        if (ctl.signal.aborted) return;
        const r = toJobPoll(data, since, count);
        // A server that ignores `since` sends every line again: keep
        // only lines not seen yet.
        let fresh = r.lines;
        if (since !== null && r.lines.length && r.lines.every((l) => l.seq !== null)) fresh = r.lines.filter((l) => l.seq > since);
        count += fresh.length;
        since = r.next;
        setError(null);
        setJob(r.job);
        if (fresh.length) setLines((ls) => ls.concat(fresh));
        // Every second while the job runs; once it has ended, on until
        // a poll brings no new line (the server sends at most 200 a time).
        if (r.job && isActive(r.job.state)) timer = setTimeout(poll, POLL_MS);
        else if (fresh.length > 0) timer = setTimeout(poll, 0);
      } catch (e) {
        if (ctl.signal.aborted || e.name === 'AbortError') return;
        setError(e);
        // The network or the server hiccuped: try again a little later.
        if (e.status === 0 || e.status >= 500) timer = setTimeout(poll, RETRY_MS);
      }
    };
    // After Cancel: ask at once instead of at the next tick.
    kick.current = () => {
      if (timer) { clearTimeout(timer); poll(); }
    };
    poll();
    return () => { ctl.abort(); if (timer) clearTimeout(timer); kick.current = null; };
  }, [id, run]);

  return { job, lines, error, retry: () => setRun((n) => n + 1), refresh: () => kick.current && kick.current() };
}

// The log, newest at the bottom; it follows new lines unless the user
// has scrolled up to read.
function JobLog({ lines }) {
  const box = useRef(null);
  const follow = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [lines.length]);
  const onScroll = () => {
    const el = box.current;
    if (el) follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };
  if (lines.length === 0) return <p className="empty" data-testid="job-log-empty">No log lines yet.</p>;
  return (
    // A scrolling region must be reachable by keyboard to be scrolled.
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <div className="job-log" ref={box} onScroll={onScroll} tabIndex={0} role="region" aria-labelledby="job-log-heading">
      <ol className="job-log-lines" data-testid="job-log">
        {lines.map((l) => (
          <li key={l.key} className={l.level === 'error' || l.level === 'warning' || l.level === 'warn' ? `job-log-line job-log-${l.level === 'warn' ? 'warning' : l.level}` : 'job-log-line'}>
            {l.at && <time dateTime={l.at} className="job-log-time">{timeOf(l.at)}</time>}
            {l.level && l.level !== 'info' && <span className="job-log-level">{l.level}</span>}
            <span className="job-log-text">{l.text}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

function timeOf(at) {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function Progress({ p, active }) {
  if (p.total && p.done !== null) {
    const pct = Math.min(100, Math.round((p.done / p.total) * 100));
    return (
      <div className="job-progress">
        <label htmlFor="job-progress-bar">Progress{p.text ? `: ${p.text}` : ''}</label>
        <progress id="job-progress-bar" max={p.total} value={p.done}>{pct}%</progress>
        <span className="row-text">{p.done} of {p.total}</span>
      </div>
    );
  }
  if (active) {
    return (
      <div className="job-progress">
        <label htmlFor="job-progress-bar">Progress{p.text ? `: ${p.text}` : ''}</label>
        <progress id="job-progress-bar" />
      </div>
    );
  }
  return null;
}

function CancelJob({ id, requested, onCancelled }) {
  const f = useForm([]);
  const [notice, setNotice] = useState('');
  const cancel = async () => {
    setNotice('');
    const r = await f.submit(() => api.cancelScrape(id));
    if (r) setNotice('Cancellation requested; the job stops at its next step.');
    onCancelled();
  };
  return (
    <div className="job-cancel">
      <FormError error={f.error} />
      <Notice>{notice}</Notice>
      <button type="button" className="button button-danger" data-testid="cancel-job" onClick={cancel}
        disabled={f.busy || Boolean(notice) || requested}>Cancel job</button>
    </div>
  );
}

export function ScraperJob({ id }) {
  const { job, lines, error, retry, refresh } = useJobPoll(id);
  const active = Boolean(job && isActive(job.state));
  // When the job ends, Cancel goes away; focus it had moves to the summary.
  const summary = useRef(null);
  useEffect(() => {
    if (!active && summary.current && document.activeElement === document.body) summary.current.focus({ preventScroll: true });
  }, [active]);
  const title = job && job.spider ? `Job ${id}: ${job.spider}` : `Job ${id}`;
  return (
    <>
      <p className="back"><Link href="/cms/scrapers" className="back-link">← Scrapers</Link></p>
      <ScreenHeading title={title}>{title}</ScreenHeading>
      {/* Announced when the state changes (not on every count). */}
      <p className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="job-announce">
        {job ? `${job.spider || 'The'} job is ${stateLabel(job.state).toLowerCase()}.` : ''}
      </p>
      {error && <LoadError error={error} onRetry={retry} />}
      {!error && !job && <Loading what="Loading the job" />}
      {job && (
        <>
          <section className="job-summary" aria-labelledby="job-summary-heading" tabIndex={-1} ref={summary}>
            <h2 id="job-summary-heading" className="visually-hidden">State and counts</h2>
            <div className="spider-head">
              <JobState state={job.state} />
              {active && <span className="row-text">updates every second</span>}
            </div>
            <dl className="job-times">
              <div><dt>Started</dt><dd>{job.started ? <time dateTime={job.started}>{dateTime(job.started)}</time> : '–'}</dd></div>
              <div><dt>Ended</dt><dd>{job.ended ? <time dateTime={job.ended}>{dateTime(job.ended)}</time> : (job.state === 'running' ? 'still running' : (job.state === 'queued' ? 'not started' : '–'))}</dd></div>
              {job.by && <div><dt>Started by</dt><dd>{job.by}</dd></div>}
              {job.cancelRequested && active && <div><dt>Cancel</dt><dd>requested</dd></div>}
            </dl>
            {jobError(job) && <p className="form-error" data-testid="job-error">{jobError(job)}</p>}
            <Progress p={job.progress} active={active} />
            <JobCounts counts={job.counts} testId="job-counts" />
            {active && <CancelJob id={job.id ?? id} requested={job.cancelRequested} onCancelled={refresh} />}
          </section>
          <section aria-labelledby="job-log-heading">
            <h2 id="job-log-heading">Log</h2>
            <JobLog lines={lines} />
          </section>
        </>
      )}
    </>
  );
}
