// A scrape job's state as a badge: running and queued stand out, a
// failure is red.
import { stateLabel } from '../lib/scrapers.js';

const CLASS = {
  queued: 'badge badge-busy',
  running: 'badge badge-busy',
  succeeded: 'badge badge-ok',
  failed: 'badge badge-off',
  cancelled: 'badge badge-warn',
};

export function JobState({ state }) {
  return <span className={CLASS[state] || 'badge'} data-testid="job-state" data-state={state || 'none'}>{stateLabel(state)}</span>;
}
