// A scrape job's counts (found, new, updated, removed, skipped, errors)
// as a definition list; a count the server has not sent yet shows "–".
import { COUNTS } from '../lib/scrapers.js';

export function JobCounts({ counts, testId }) {
  return (
    <dl className="job-counts" data-testid={testId}>
      {COUNTS.map(({ key, label }) => (
        <div key={key} className={key === 'errors' && counts[key] > 0 ? 'job-count job-count-bad' : 'job-count'} data-count={key}>
          <dt>{label}</dt>
          <dd>{counts[key] === null || counts[key] === undefined ? '–' : counts[key]}</dd>
        </div>
      ))}
    </dl>
  );
}
