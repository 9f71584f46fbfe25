// The dashboard's script, put inline into dashboard.html by dashboard-page.ts after slave-rows.js,
// whose SlaveRows it uses. It only reads:
// /events (Server-Sent Events: a `snapshot` a few times a second, an `end` with the summary).
// Every text from the master goes in as textContent, never as markup.
/* global SlaveRows */
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const { int, time, syncRows, slaveCells, hostCells, attentionCells } = SlaveRows;
  const WINDOW_MS = 10 * 60_000;
  /** Slaves seen and no longer in the report: kept greyed, with why they went. */
  const gone = new Map();
  let rows = new Map();
  let runId;
  let source;
  let ended = false;
  let lostAt;
  /** Every slave's row even past 50 (the page's toggle), and the data last shown, to redraw at once when it is toggled. */
  let showAll = false;
  let lastData;

  // The cookie holds the token now: keep it out of the address bar, screenshots and shared links.
  if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', location.pathname);

  function duration(seconds) {
    const s = Math.round(seconds);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }

  function conn(text, kind) {
    $('conn').textContent = text;
    $('conn').className = `badge ${kind}`;
  }

  function banner(text, kind = '') {
    $('banner').hidden = text === undefined;
    $('banner').textContent = text ?? '';
    $('banner').className = kind;
  }

  function cell(tr, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    tr.append(td);
    return td;
  }

  function showRun(status) {
    const args = Object.entries(status.args).map(([k, v]) => ` ${k}=${v}`).join('');
    $('target').textContent = `${status.module}:${status.fn}${args}${status.retryFailed ? ' (--retry-failed)' : ''}`;
    document.title = `taskmaster ${status.module}`;
    $('run-id').textContent = status.run;
    $('state-file').textContent = status.state;
    $('started').textContent = new Date(status.startedAt).toLocaleString('en-GB');
    $('elapsed').textContent = duration(status.totals.elapsedMs / 1000) + (status.stopping ? ' (stopping)' : '');
  }

  function showTotals(t, counts) {
    const finished = t.done + t.failed;
    const share = t.total ? Math.min(1, finished / Math.max(1, t.total)) : 0;
    $('bar-fill').style.width = `${(share * 100).toFixed(1)}%`;
    $('done').textContent = t.total === null ? `${int(finished)} (no total: the module has no countJobs)` : `${int(finished)} / ${int(t.total)} (${(share * 100).toFixed(1)}%)`;
    $('rate').textContent = `${int(t.rate)} jobs/s`;
    $('eta').textContent = t.etaSeconds === null ? '–' : duration(t.etaSeconds);
    $('buffered').textContent = int(t.buffered);
    $('buffered-of').textContent = `buffered of ${int(t.size)}`;
    $('in-flight').textContent = int(t.inFlight);
    $('failed').textContent = int(counts.failedAttempts);
    $('dead-lettered').textContent = int(t.failed);
    $('watermark').textContent = int(t.watermark);
    $('retrying').textContent = int(t.retrying);
    $('requeued').textContent = int(counts.requeued);
    $('failed-tile').classList.toggle('alarm', counts.failedAttempts > 0);
    $('dead-tile').classList.toggle('alarm', t.failed > 0);
  }

  function showChart(history) {
    const rates = [];
    for (let i = 1; i < history.length; i++) {
      const [t0, f0] = history[i - 1];
      const [t1, f1] = history[i];
      if (t1 > t0) rates.push([t1, ((f1 - f0) * 1000) / (t1 - t0)]);
    }
    const last = rates.length > 0 ? rates[rates.length - 1][0] : Date.now();
    // The chart spans what the history holds (its first rate at the left), the last minutes at most.
    const span = Math.max(1, Math.min(WINDOW_MS, last - (rates[0]?.[0] ?? last)));
    const max = Math.max(1, ...rates.map(([, r]) => r)) * 1.1;
    const points = rates.map(([t, r]) => `${(600 - ((last - t) / span) * 600).toFixed(1)},${(130 - (r / max) * 120).toFixed(1)}`);
    $('chart-line').setAttribute('points', points.join(' '));
    $('chart-area').setAttribute('d', points.length > 1 ? `M${points[0].split(',')[0]},130 L${points.join(' L')} L600,130 Z` : '');
    $('chart-max').textContent = `${int(max / 1.1)} jobs/s`;
    $('chart-span').textContent = rates.length > 1 ? `−${duration(span / 1000)}` : '';
  }

  /** Past 50 slaves: a row per host and the slaves that stand out (worked out by the master), and the toggle for every row. */
  function showFleet(fleet, goneRows) {
    const rows = fleet.rows.map((row) => [row, false]);
    if (fleet.rest) rows.push([fleet.rest, true]);
    $('fleet-line').textContent = `${int(fleet.slaves)} slaves on ${int(fleet.hosts)} ${fleet.hosts === 1 ? 'host' : 'hosts'}, by host${fleet.rest ? `, the ${fleet.rows.length} busiest first` : ''}`;
    syncRows($('hosts').tBodies[0], 'host', rows, ([row, rest]) => (rest ? '\u0000rest' : row.host), ([row, rest]) => hostCells(row, rest));
    const out = fleet.standOut;
    const counts = [[out.silent, `silent ${duration(fleet.silentMs / 1000)} or more`], [out['other code'], 'on other code'], [out.failures, 'with failures']].filter(([n]) => n > 0);
    const first = out.total > fleet.attention.length ? `; the first ${fleet.attention.length}` : '';
    const left = goneRows.length > 0 ? `; ${int(goneRows.length)} gone from the run, listed first` : '';
    $('attention-line').textContent =
      out.total === 0
        ? `no slave stands out: none silent for ${duration(fleet.silentMs / 1000)}, none failing, ${fleet.bundle === undefined ? 'all say no code' : 'all on the same code'}${left}`
        : `needs attention: ${int(out.total)} ${out.total === 1 ? 'slave' : 'slaves'} (${counts.map(([n, what]) => `${int(n)} ${what}`).join(', ')})${first}${left}`;
    syncRows($('attention').tBodies[0], 'attention', [...goneRows, ...fleet.attention], (a) => a.slave.id, attentionCells);
    $('attention').hidden = out.total + goneRows.length === 0;
    $('show-all').textContent = showAll ? `hide the ${int(fleet.slaves)} rows` : `show all ${int(fleet.slaves)} slaves`;
  }

  function showSlaves(data) {
    lastData = data;
    const now = new Map(data.status.slaves.map((s) => [s.id, s]));
    for (const [id, s] of rows) {
      if (now.has(id) || gone.has(id)) continue;
      const requeue = data.requeues.find((r) => r.slave === id);
      gone.set(id, { slave: { ...s, inFlight: 0, goneAt: Date.now() }, note: requeue ? `${requeue.why}; ${int(requeue.jobs)} jobs requeued` : 'left' });
      if (gone.size > 20) gone.delete(gone.keys().next().value);
    }
    for (const id of now.keys()) gone.delete(id);
    rows = now;
    $('slave-count').textContent = now.size > 0 ? `(${int(now.size)})` : '';
    $('fleet').hidden = data.fleet === undefined;
    if (data.fleet !== undefined) showFleet(data.fleet, [...gone.values()]);
    const body = $('slaves').tBodies[0];
    const every = data.fleet === undefined || showAll;
    $('slaves').hidden = !every;
    $('slaves').classList.toggle('all', data.fleet !== undefined);
    // Folded away, the rows go: a page past 50 slaves keeps no DOM for them.
    if (!every) body.replaceChildren();
    else syncRows(body, 'slave', [...[...now.values()].map((slave) => ({ slave })), ...gone.values()], ({ slave }) => slave.id, (row) => slaveCells(row, data.lease));
    $('no-slaves').hidden = now.size + gone.size > 0;
  }

  function showLists(data) {
    const dead = $('dead-letters').tBodies[0];
    dead.replaceChildren(...data.deadLetters.map((d) => {
      const tr = document.createElement('tr');
      cell(tr, d.job, 'mono');
      cell(tr, int(d.attempts), 'num');
      cell(tr, d.slave, 'mono');
      cell(tr, time(d.at));
      cell(tr, d.error, 'error');
      return tr;
    }));
    $('no-dead-letters').hidden = data.deadLetters.length > 0;
    $('requeues').replaceChildren(...data.requeues.map((r) => {
      const li = document.createElement('li');
      li.textContent = `${time(r.at)}: ${int(r.jobs)} in-flight jobs of ${r.slave} back in the buffer (${r.why})`;
      return li;
    }));
    $('no-requeues').hidden = data.requeues.length > 0;
  }

  function showSummary(s) {
    const parts = [`${s.outcome}: ${int(s.done)} jobs done, ${int(s.failed)} dead-lettered in ${(s.durationMs / 1000).toFixed(1)} s (${int(s.rate)} jobs/s); exit code ${s.exitCode}`];
    if (s.halt) parts.push(s.halt.message);
    if (s.deadLetters) parts.push(`dead letters in ${s.deadLetters}`);
    if (s.error) parts.push(`error: ${s.error}`);
    $('summary-text').textContent = parts.join('. ');
    $('summary').className = s.exitCode === 0 ? '' : 'failed';
    $('summary').hidden = false;
  }

  function show(data) {
    if (data.status.run !== runId) {
      // A new run (the master restarted): what was known of the last one no longer holds.
      if (runId !== undefined) banner(`the master restarted: now run ${data.status.run}${lostAt ? ` (lost at ${time(lostAt)})` : ''}`, 'info');
      else banner(undefined);
      runId = data.status.run;
      gone.clear();
      rows = new Map();
      $('summary').hidden = true;
    } else if (lostAt !== undefined) banner(undefined);
    lostAt = undefined;
    showRun(data.status);
    showTotals(data.status.totals, data.counts);
    showChart(data.history);
    showSlaves(data);
    showLists(data);
  }

  function connect() {
    source?.close();
    source = new EventSource('events');
    source.addEventListener('snapshot', (event) => {
      ended = false;
      conn('live', 'live');
      show(JSON.parse(event.data));
    });
    source.addEventListener('end', (event) => {
      const data = JSON.parse(event.data);
      const again = ended && data.status.run === runId;
      ended = true;
      source.close();
      if (!again) {
        show(data);
        showSummary(data.summary);
      }
      conn(`run ${data.summary.outcome}`, 'over');
      // Stays watching the address: a master started there again shows its run.
      setTimeout(connect, 5000);
    });
    source.onerror = () => {
      if (ended) {
        source.close();
        conn('run over; master gone', 'over');
        setTimeout(connect, 5000);
        return;
      }
      lostAt ??= Date.now();
      conn('lost the master', 'lost');
      banner(`lost the master at ${time(lostAt)}; reconnecting…`);
      // A refused stream (a restarted master with a new token answers 401) is not retried by the browser.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
    };
  }

  $('show-all').addEventListener('click', () => {
    showAll = !showAll;
    if (lastData !== undefined) showSlaves(lastData);
  });

  connect();
})();
