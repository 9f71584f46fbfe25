// The slaves' table rows of the dashboard, put inline into dashboard.html by dashboard-page.ts,
// before the page's main script, which reads SlaveRows: what each row shows, and how a table's
// rows are kept from one snapshot to the next. Every text goes in as textContent, never as markup.
/* exported SlaveRows */
'use strict';
const SlaveRows = (() => {
  // One formatter each, made once: toLocaleString makes one a call, and 1,000 rows call it thousands of times a tick.
  const numbers = new Intl.NumberFormat('en-US');
  const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const int = (n) => numbers.format(Math.round(n));
  const time = (ms) => clock.format(ms);
  /**
   * Brings `body`'s rows in line with `items`, matched by `key`: a row is made once, and then
   * only the cells whose text changed are written, so a table of 1,000 slaves costs little a tick.
   * The key is the rows' `data-<name>`; `cells(item)` gives the row's class and its cells as [text, class].
   */
  function syncRows(body, name, items, key, cells) {
    const old = new Map();
    for (const tr of body.rows) old.set(tr.dataset[name], tr);
    let next = body.firstElementChild;
    for (const item of items) {
      const k = key(item);
      let tr = old.get(k);
      if (tr === undefined) {
        tr = document.createElement('tr');
        tr.dataset[name] = k;
      } else old.delete(k);
      const [rowClass, texts] = cells(item);
      if (tr.className !== rowClass) tr.className = rowClass;
      while (tr.cells.length > texts.length) tr.deleteCell(-1);
      while (tr.cells.length < texts.length) tr.insertCell();
      texts.forEach(([text, className = ''], i) => {
        const td = tr.cells[i];
        if (td.textContent !== text) td.textContent = text;
        if (td.className !== className) td.className = className;
      });
      if (tr === next) next = tr.nextElementSibling;
      else body.insertBefore(tr, next);
    }
    for (const tr of old.values()) tr.remove();
  }

  const seen = (ms) => `${(ms / 1000).toFixed(1)} s ago`;
  const code = (bundle) => (bundle === undefined ? '-' : bundle.slice(0, 12));

  /** A slave's row: live (with its lease), or gone (`note` says why), greyed. */
  function slaveCells({ slave: s, note }, lease) {
    const late = s.lastSeenMs > lease / 2;
    const leaseCell =
      note !== undefined
        ? [`gone: ${note}`, 'lease lease-gone']
        : [late ? `⚠ silent ${(s.lastSeenMs / 1000).toFixed(1)} s of ${(lease / 1000).toFixed(1)} s lease` : 'ok', `lease ${late ? 'lease-late' : 'lease-ok'}`];
    return [
      note !== undefined ? 'stale' : late ? 'late' : '',
      [
        [s.id, 'mono'],
        [s.host],
        [`${s.threads} × ${s.concurrency}`, 'num'],
        [int(s.inFlight), 'num'],
        [int(s.done), 'num'],
        [int(s.failed), 'num'],
        [note === undefined ? int(s.rate) : '–', 'num'],
        [note === undefined ? seen(s.lastSeenMs) : time(s.goneAt), 'num'],
        [code(s.bundle), 'mono code'],
        leaseCell,
      ],
    ];
  }

  function hostCells(row, rest) {
    const mixed = row.codes > 1;
    return [
      rest ? 'rest' : '',
      [
        [row.host],
        [int(row.slaves), 'num'],
        [int(row.lanes), 'num'],
        [int(row.inFlight), 'num'],
        [int(row.done), 'num'],
        [int(row.failed), 'num'],
        [int(row.rate), 'num'],
        [seen(row.lastSeenMs), 'num'],
        [`${code(row.bundle)}${mixed ? ` +${row.codes - 1} other` : ''}`, mixed ? 'mono mixed' : 'mono'],
      ],
    ];
  }

  /** A slave that stands out (`why`), or one gone (`note`). */
  function attentionCells({ slave: s, why, note }) {
    return [
      note !== undefined ? 'stale' : '',
      [
        [s.id, 'mono'],
        [s.host],
        [int(s.inFlight), 'num'],
        [int(s.failed), 'num'],
        [note === undefined ? seen(s.lastSeenMs) : time(s.goneAt), 'num'],
        [code(s.bundle), 'mono code'],
        [note === undefined ? why.join(', ') : `gone: ${note}`, note === undefined ? 'why' : 'lease-gone'],
      ],
    ];
  }

  return { int, time, syncRows, slaveCells, hostCells, attentionCells };
})();
