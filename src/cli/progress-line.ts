import type { ProgressSnapshot } from '../master/observe/progress.js';

/**
 * The progress bar's line, fitted to a width: whole fields are dropped, least important first,
 * and never cut; the bar itself stretches into the room that is left.
 *
 * Kept longest: the percentage, the ETA, the counts, then the bar, failures, rate, slaves, in
 * flight, retrying (shown only when some are) and the buffer.
 */

/** A field of the line, in display order; `rank` 0 is the last to be dropped. */
interface Field {
  readonly text: string;
  readonly rank: number;
}

/** The bar's inner width: at least this, or no bar at all; at most this, however wide the terminal. */
const BAR_MIN = 10;
const BAR_MAX = 40;
const SEPARATOR = ' | ';
/** Stands for the bar among the fields until its width is known. */
const BAR = '\0bar';

/**
 * The bar line for `p` in at most `width` columns.
 *
 * @example
 * progressLine(snapshot, 80);
 * // '[======----------]  42% | 126000/300000 | 52341/s | eta 4s | failed 0 | slaves 2'
 */
export function progressLine(p: ProgressSnapshot, width: number): string {
  const fields = fieldsOf(p);
  let kept: Field[] = [];
  for (const field of [...fields].sort((a, b) => a.rank - b.rank)) {
    const tried = fields.filter((f) => f === field || kept.includes(f));
    if (join(tried, BAR_MIN).length <= width) kept = tried;
  }
  const barWidth = Math.min(BAR_MAX, BAR_MIN + width - join(kept, BAR_MIN).length);
  return join(kept, barWidth, fraction(p));
}

/** The fields as a line, the bar `inner` wide and `done` full; the bar is followed by a space, the others by a separator. */
function join(fields: readonly Field[], inner: number, done = 0): string {
  const parts = fields.map((field, i) => (i === 0 ? '' : fields[i - 1]!.text === BAR ? ' ' : SEPARATOR) + (field.text === BAR ? drawBar(done, inner) : field.text));
  // The percentage is padded to keep the line still beside a bar; without one it leads the line.
  return parts.join('').trimStart();
}

function fieldsOf(p: ProgressSnapshot): Field[] {
  const fields: Field[] = [];
  if (p.total !== undefined) {
    const total = String(p.total);
    fields.push({ text: BAR, rank: 3 });
    fields.push({ text: `${Math.floor(100 * fraction(p))}%`.padStart(4), rank: 0 });
    fields.push({ text: `${String(p.finished).padStart(total.length)}/${total}`, rank: 2 });
  } else if (p.fraction !== undefined) {
    // No count, but the source says how far through its data it is (the bytes of a file).
    fields.push({ text: BAR, rank: 3 });
    fields.push({ text: `${Math.floor(100 * fraction(p))}%`.padStart(4), rank: 0 });
    fields.push({ text: `${p.finished} done`, rank: 2 });
  } else {
    fields.push({ text: `${p.finished} done`, rank: 0 });
  }
  fields.push({ text: `${Math.round(p.rate)}/s`, rank: 5 });
  if (p.total !== undefined || p.fraction !== undefined) fields.push({ text: `eta ${etaOf(p)}`, rank: 1 });
  fields.push({ text: `buffer ${p.buffered}/${p.size}`, rank: 9 });
  fields.push({ text: `in flight ${p.inFlight}`, rank: 7 });
  if (p.retrying > 0) fields.push({ text: `retrying ${p.retrying}`, rank: 8 });
  fields.push({ text: `failed ${p.failed}`, rank: 4 });
  fields.push({ text: `slaves ${p.slaves}`, rank: 6 });
  return fields;
}

/** Finished over total, 1 for an empty run; only a finished run reaches 1. Without a total, the source's own measure. */
function fraction(p: ProgressSnapshot): number {
  if (p.total === undefined) return Math.min(1, p.fraction ?? 1);
  if (p.total <= 0) return 1;
  return Math.min(1, p.finished / p.total);
}

/** `--` until there is a rate to go by, `0s` once everything has finished. */
function etaOf(p: ProgressSnapshot): string {
  if (p.total !== undefined && p.finished >= p.total) return '0s';
  return p.etaSeconds === undefined || !Number.isFinite(p.etaSeconds) ? '--' : formatSeconds(p.etaSeconds);
}

function drawBar(done: number, inner: number): string {
  const filled = Math.floor(done * inner);
  return `[${'='.repeat(filled)}${'-'.repeat(inner - filled)}]`;
}

/** `42s`, `3m07s`, `2h05m`: seconds rounded up, for an ETA. */
export function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
