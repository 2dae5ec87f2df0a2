// The process model (SPEC 3): a free event loop during database calls,
// the database wait queue, worker restarts, SIGTERM drain, SIGHUP
// rollover, dropping root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  Stack, get, freshGet, rawRequest, waitFor, sleep, childrenOf, groupMembers, alive, procUids, portOpen, run, IS_ROOT,
} from './lib/stack.mjs';

const stack = new Stack(1);
let APP;

// The server's own log lines matching re (at most 12), for failure messages.
function logLines(server, re) {
  const lines = server.stderr().split('\n').filter((l) => re.test(l));
  return lines.length ? `\n  ${lines.slice(-12).join('\n  ')}` : '(none)';
}

// One failed rawRequest/freshGet, for failure messages.
function describeFailure(r) {
  const how = r.closed ? `connection closed by the server after ${Math.round(r.closedAfterMs)} ms`
    : 'no answer within the client time-out (3 s)';
  return `status ${r.status}: ${r.raw.length} bytes, ${how}${r.error ? ` (${r.error.code})` : ''}`;
}

before(async () => {
  await stack.up();
  APP = stack.ports.app;
});
after(async () => { await stack.down(); });

test('the event loop stays free during a slow database query', async () => {
  const s = await stack.startServer('app', { LIFTED_WORKERS: 1 }, { waitReady: 'readyz' });
  try {
    const t0 = performance.now();
    const slow = get(s.port, '/__test/sleep?s=2', { timeoutMs: 10_000 }).then((r) => ({ ...r, at: performance.now() - t0 }));
    await sleep(300);
    const h = await get(s.port, '/healthz', { timeoutMs: 5000 });
    assert.equal(h.status, 200);
    assert.ok(h.ms < 1000, `/healthz took ${Math.round(h.ms)} ms while a query slept`);
    const e = await get(s.port, '/__test/echo?n=5', { timeoutMs: 5000 });
    assert.equal(e.status, 200);
    assert.ok(e.ms < 1000, `/__test/echo took ${Math.round(e.ms)} ms`);
    const r = await slow;
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, { slept: true });
    assert.ok(r.at >= 1900, `the sleep answered after only ${Math.round(r.at)} ms`);
  } finally {
    await s.stop();
  }
});

test('a full database wait queue answers 503 with Retry-After', async () => {
  // /readyz: the pool's one connection is up before the burst.
  const s = await stack.startServer('app', { LIFTED_WORKERS: 1, LIFTED_DB_POOL_SIZE: 1, LIFTED_DB_QUEUE_MAX: 1 },
    { waitReady: 'readyz' });
  try {
    const rs = await Promise.all(Array.from({ length: 4 }, () => get(s.port, '/__test/sleep?s=1', { timeoutMs: 10_000 })));
    const statuses = rs.map((r) => `${r.status} ${r.body}`).join('; ');
    const busy = rs.filter((r) => r.status === 503);
    assert.ok(busy.length >= 1, `no 503 among ${statuses}`);
    assert.ok(rs.some((r) => r.status === 200), `no 200 among ${statuses}`);
    assert.ok(rs.every((r) => r.status === 200 || r.status === 503), `statuses ${statuses}`);
    for (const b of busy) {
      assert.match(b.headers.get('retry-after') || '', /^\d+$/, 'Retry-After');
      assert.match(b.headers.get('content-type') || '', /^application\/json/);
      assert.equal(typeof b.json?.error, 'string', b.body);
    }
    // Not stuck afterwards.
    const after1 = await get(s.port, '/__test/sleep?s=0');
    assert.equal(after1.status, 200);
  } finally {
    await s.stop();
  }
});

test('a killed worker is replaced and the server keeps answering', async () => {
  const parent = stack.pid('app');
  const before1 = childrenOf(parent);
  assert.ok(before1.length >= 1, `no workers under parent ${parent}`);
  const w = await freshGet(APP, '/__test/whoami');
  assert.equal(w.status, 200, w.raw.slice(0, 200));
  const { pid, ppid, uid, euid, worker } = w.json;
  assert.equal(ppid, parent, 'worker parent is the pid in run/app.pid');
  assert.ok(before1.includes(pid));
  assert.equal(typeof uid, 'number');
  assert.equal(typeof euid, 'number');
  assert.ok(worker >= 1);
  process.kill(pid, 'SIGKILL');
  const t0 = performance.now();
  await waitFor(() => !alive(pid), { timeoutMs: 3000, what: `worker ${pid} to die` });
  const other = await waitFor(async () => {
    const r = await freshGet(APP, '/__test/whoami', {}, 1000);
    return r.status === 200 && r.json.pid !== pid ? r.json : null;
  }, { timeoutMs: 5000, what: 'a whoami from another worker' });
  assert.equal(other.ppid, parent);
  // The parent restored the worker count.
  const after1 = await waitFor(() => {
    const c = childrenOf(parent);
    return c.length === before1.length && !c.includes(pid) ? c : null;
  }, { timeoutMs: 5000 - (performance.now() - t0) + 1000, what: `${before1.length} workers again` });
  assert.ok(!after1.includes(pid));
  assert.ok(alive(parent), 'parent still alive');
  // The new worker serves too: every worker answers a burst of requests.
  for (let i = 0; i < 10; i++) {
    const r = await freshGet(APP, '/__test/whoami');
    assert.equal(r.status, 200);
    assert.notEqual(r.json.pid, pid);
  }
});

test('SIGTERM drains the in-flight request, exits 0, then refuses connections', async () => {
  const s = await stack.startServer('app', { LIFTED_WORKERS: 1 });
  let stopped = false;
  try {
    const t0 = performance.now();
    const wait = rawRequest(s.port, 'GET /__test/wait?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 8000, expect: 1 });
    await sleep(300);
    process.kill(s.pid, 'SIGTERM');
    const r = await wait;
    assert.equal(r.status, 200, `the in-flight request got no answer: ${r.raw.length} bytes, `
      + `connection closed by the server after ${Math.round(r.closedAfterMs)} ms${r.error ? ` (${r.error.code})` : ''}; `
      + `server log: ${logLines(s, /wait|drain|stop/)}`);
    assert.deepEqual(JSON.parse(r.body), { waited: true });
    const ex = await Promise.race([s.exited, sleep(8000).then(() => null)]);
    assert.ok(ex, `still running ${Math.round(performance.now() - t0)} ms after SIGTERM`);
    stopped = true;
    assert.deepEqual(ex, { code: 0, signal: null });
    const left = await waitFor(() => groupMembers(s.pid).length === 0, { timeoutMs: 2000, what: 'no process left' })
      .catch(() => groupMembers(s.pid));
    assert.equal(left, true, `processes left behind after the parent exited: ${left}`);
    assert.equal(await portOpen(s.port), false, 'port still accepts connections after exit');
  } finally {
    if (!stopped) await s.stop('SIGKILL');
    else await s.stop();
  }
});

// Keeps `clients` loops of fresh-connection GETs of p going against port
// until stop() is called; stop() resolves to {ok, failures}.
function hammer(port, clients, p = '/__test/whoami') {
  let stopped = false;
  const failures = [];
  let ok = 0;
  const loop = async () => {
    while (!stopped) {
      try {
        const r = await freshGet(port, p, {}, 3000);
        if (r.status === 200) ok++;
        else failures.push(describeFailure(r));
      } catch (e) { failures.push(String(e)); }
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return { stop: async () => { stopped = true; await Promise.all(loops); return { ok, failures }; } };
}

// Many short connections side by side (what a browser or a proxy does):
// every request answered, no worker dies.
test('concurrent short connections: every request answered, no worker crashes', async () => {
  const s = await stack.startServer('app', { LIFTED_WORKERS: 2 });
  try {
    const workers = await waitFor(() => { const c = childrenOf(s.pid); return c.length === 2 ? c : null; },
      { timeoutMs: 5000, what: '2 workers' });
    const load = hammer(s.port, 4);
    await sleep(3000);
    const { ok, failures } = await load.stop();
    const crashes = logLines(s, /killed by signal|"level":"error"/);
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${ok + failures.length} requests failed; server log: ${crashes}`);
    assert.ok(ok > 100, `only ${ok} requests in 3 s`);
    assert.equal(crashes, '(none)', 'workers died under load');
    assert.deepEqual(childrenOf(s.pid), workers, 'workers were replaced under load');
  } finally {
    await s.stop('SIGTERM', 5000);
  }
});

// The App's API too: a new worker takes connections only once its cache
// has loaded, so no request meets a "loading" 503 during the rollover.
test('SIGHUP replaces every worker without a failed request', async () => {
  const s = await stack.startServer('app', { LIFTED_WORKERS: 2 });
  try {
    const old = await waitFor(() => { const c = childrenOf(s.pid); return c.length === 2 ? c : null; },
      { timeoutMs: 5000, what: '2 workers' });
    const load = hammer(s.port, 2);
    const api = hammer(s.port, 2, '/qns');
    await sleep(300);
    process.kill(s.pid, 'SIGHUP');
    let fresh = null;
    let ok, failures;
    try {
      fresh = await waitFor(() => {
        const c = childrenOf(s.pid);
        return c.length === 2 && c.every((p) => !old.includes(p)) ? c : null;
      }, { timeoutMs: 10_000, intervalMs: 50, what: 'two new workers' }).catch(() => null);
      if (fresh) await sleep(500);
    } finally {
      ({ ok, failures } = await load.stop());
      const a = await api.stop();
      ok += a.ok;
      failures = failures.concat(a.failures);
    }
    const errs = logLines(s, /"worker":0|"level":"(warn|error)"|ready"|drain|stopped/);
    assert.ok(fresh, `workers not replaced within 10 s of SIGHUP: before ${old}, now ${childrenOf(s.pid)}; `
      + `${failures.length} failed requests (${ok} ok); server log: ${errs}`);
    assert.deepEqual(failures, [], `${failures.length} failed requests during the rollover (${ok} ok); server log: ${errs}`);
    assert.ok(ok > 10, `only ${ok} requests during the rollover`);
    for (let i = 0; i < 6; i++) {
      const r = await freshGet(s.port, '/__test/whoami');
      assert.equal(r.status, 200);
      assert.ok(fresh.includes(r.json.pid), `whoami pid ${r.json.pid} is not a new worker (${fresh})`);
      assert.equal(r.json.ppid, s.pid);
    }
    assert.ok(alive(s.pid), 'parent survived SIGHUP');
  } finally {
    await s.stop('SIGTERM', 5000);
  }
});

test('workers and parent run as LIFTED_RUNAS after binding', async (t) => {
  if (!IS_ROOT) { t.skip('needs root'); return; }
  const id = run('id', ['-u', 'nobody']);
  assert.equal(id.status, 0, id.stderr);
  const nobody = Number(id.stdout.trim());
  const s = await stack.startServer('app', { LIFTED_RUNAS: 'nobody', LIFTED_WORKERS: 1 });
  try {
    const w = await get(s.port, '/__test/whoami');
    assert.equal(w.status, 200);
    assert.equal(w.json.uid, nobody);
    assert.equal(w.json.euid, nobody);
    assert.equal(w.json.ppid, s.pid);
    const uids = procUids(s.pid);
    assert.deepEqual(uids, [nobody, nobody, nobody, nobody], `parent uids (real, effective, saved, fs) ${uids}`);
    const wu = procUids(w.json.pid);
    assert.deepEqual(wu, [nobody, nobody, nobody, nobody], `worker uids ${wu}`);
    // It still serves files and reaches the database as nobody.
    assert.equal((await get(s.port, '/')).status, 200);
    await waitFor(async () => (await get(s.port, '/readyz')).status === 200,
      { timeoutMs: 5000, what: '/readyz 200 as nobody' });
  } finally {
    await s.stop();
  }
});
