// The Scrapers page (permission scrapers.run): each spider with its last
// job (state, start, end and the counts) and a "Scrape" button, disabled
// while a job of that spider is queued or running; a refused start (409:
// one is already running) is shown at the spider. While any job runs the
// list is re-read every two seconds. Below, the proposed refreshes of
// published courses with Apply and Dismiss (courses.publish).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { dateTime } from '../lib/format.js';
import { Link, navigate } from '../lib/router.jsx';
import { hasPermission, useSession } from '../lib/session.js';
import { isActive, jobError, startedJobId, toProposals, toSpiders } from '../lib/scrapers.js';
import { useApi } from '../lib/useApi.js';
import { useForm } from '../lib/useForm.js';
import { FormError } from '../components/FormError.jsx';
import { JobCounts } from '../components/JobCounts.jsx';
import { JobState } from '../components/JobState.jsx';
import { ProposalList } from '../components/ProposalList.jsx';
import { ScreenHeading } from '../components/ScreenHeading.jsx';
import { LoadError, Loading } from '../components/Status.jsx';

const RELOAD_MS = 2000;

export const jobPath = (id) => `/cms/scrapers/jobs/${encodeURIComponent(id)}`;

function Spider({ s, onStarted }) {
  // The refusal's field message ("spider": ...) only repeats it.
  const f = useForm(['spider']);
  const job = s.job;
  const running = Boolean(job && isActive(job.state));
  const start = async () => {
    const r = await f.submit(() => api.startScrape(s.name));
    if (r) {
      const id = startedJobId(r);
      if (id !== null && id !== undefined) navigate(jobPath(id));
      else onStarted();
    } else {
      onStarted();
    }
  };
  const headingId = `spider-${s.name}`;
  return (
    <li className="row spider" data-testid="spider" data-spider={s.name} aria-labelledby={headingId}>
      <div className="spider-head">
        <h3 id={headingId} className="row-title spider-name">{s.name}</h3>
        {s.provider && <span className="row-text">{s.provider}</span>}
        <JobState state={job && job.state} />
      </div>
      {job ? (
        <>
          <dl className="job-times">
            <div><dt>Started</dt><dd>{job.started ? <time dateTime={job.started}>{dateTime(job.started)}</time> : (job.state === 'queued' ? 'waiting' : '–')}</dd></div>
            <div><dt>Ended</dt><dd>{job.ended ? <time dateTime={job.ended}>{dateTime(job.ended)}</time> : (job.state === 'running' ? 'still running' : '–')}</dd></div>
          </dl>
          {jobError(job) && <p className="row-text job-error" data-testid="spider-error">{jobError(job)}</p>}
          <JobCounts counts={job.counts} testId="spider-counts" />
        </>
      ) : <p className="empty">No job yet.</p>}
      <FormError error={f.error} />
      <div className="actions">
        <button type="button" className="button button-primary" data-testid="scrape" onClick={start}
          disabled={f.busy || running} aria-describedby={headingId}>
          {running ? 'Scraping…' : 'Scrape'}
        </button>
        {job && job.id !== null && (
          <Link href={jobPath(job.id)} className="button" data-testid="job-link"
            aria-label={`${running ? 'Progress' : 'Log'} of the last ${s.name} job`}>
            {running ? 'Follow progress' : 'Last job'}
          </Link>
        )}
      </div>
    </li>
  );
}

function Proposals({ canPublish }) {
  const state = useApi((signal) => api.proposals({ signal }).then(toProposals), []);
  return (
    <section aria-labelledby="proposals-heading" className="proposals">
      <h2 id="proposals-heading">Proposed refreshes of published courses</h2>
      <p className="hint">A scrape that finds a published course changed at its source proposes the change here; applying it updates the App.</p>
      {state.error && <LoadError error={state.error} onRetry={state.retry} />}
      {!state.error && !state.data && <Loading what="Loading the proposals" />}
      {state.data && <ProposalList proposals={state.data} canPublish={canPublish} onChanged={state.retry} />}
    </section>
  );
}

export function Scrapers() {
  const me = useSession();
  const [tick, setTick] = useState(0);
  const state = useApi((signal) => api.scrapers({ signal }).then(toSpiders), [tick]);
  const spiders = state.data || [];
  const anyRunning = spiders.some((s) => s.job && isActive(s.job.state));

  // Re-read while a job runs, so its counts and the buttons follow.
  useEffect(() => {
    if (!anyRunning || state.loading) return undefined;
    const t = setTimeout(() => setTick((n) => n + 1), RELOAD_MS);
    return () => clearTimeout(t);
  }, [anyRunning, state.loading, state.data]);

  const allowed = hasPermission(me, 'scrapers.run');
  return (
    <>
      <ScreenHeading>Scrapers</ScreenHeading>
      {!allowed && <p className="lead">Running scrapers needs the permission scrapers.run; ask an administrator.</p>}
      {allowed && (
        <section aria-labelledby="spiders-heading">
          <h2 id="spiders-heading">Spiders</h2>
          {state.error && <LoadError error={state.error} onRetry={state.retry} />}
          {!state.error && !state.data && <Loading what="Loading the spiders" />}
          {state.data && (spiders.length === 0
            ? <p className="empty">No spider is configured.</p>
            : <ul className="rows spiders" data-testid="spiders">{spiders.map((s) => <Spider key={s.name} s={s} onStarted={() => setTick((n) => n + 1)} />)}</ul>)}
        </section>
      )}
      {allowed && <Proposals canPublish={hasPermission(me, 'courses.publish')} />}
    </>
  );
}
