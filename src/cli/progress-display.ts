import { routeLogLines } from '../common/log.js';
import type { ProgressSnapshot } from '../master/observe/progress.js';
import { LiveBar } from './live-bar.js';
import { formatSeconds, progressLine } from './progress-line.js';

/** What a display watches: a `Master`. */
export interface ProgressSource {
  on(event: 'progress', listener: (snapshot: ProgressSnapshot) => void): unknown;
  off(event: 'progress', listener: (snapshot: ProgressSnapshot) => void): unknown;
  /** The run now: drawn once more as the display ends, so a finished run shows 100%. */
  progress(): ProgressSnapshot;
}

/** Every how many ms a status line is printed when there is no terminal to draw a bar on. */
const STATUS_EVERY_MS = 5000;

/** One line of counts, for logs and for terminals that cannot show a bar. */
export function statusLine(p: ProgressSnapshot): string {
  const share = p.total === undefined ? p.fraction : p.finished / Math.max(1, p.total);
  const done = `${p.finished}${p.total === undefined ? '' : `/${p.total}`}${share === undefined ? '' : ` (${(100 * share).toFixed(1)}%)`}`;
  const eta = p.etaSeconds === undefined ? '' : ` eta ${formatSeconds(p.etaSeconds)}`;
  return `${done} done, ${Math.round(p.rate)}/s${eta}, buffer ${p.buffered}/${p.size}, in flight ${p.inFlight}, failed ${p.failed}, slaves ${p.slaves}`;
}

/** Stops a display; `summaryRate`, the jobs/s the summary below it gives, is the rate its last frame shows. */
export type HideProgress = (summaryRate?: number) => void;

/**
 * Shows a master's progress: on a terminal a cli-progress bar that fits its width, with every log
 * line of the process printed above it; otherwise a status line every few seconds. Returns the
 * function that stops it (safe to call twice), after which the caller prints its summary.
 */
export function showProgress(source: ProgressSource, stream: NodeJS.WriteStream = process.stderr): HideProgress {
  if (process.stdout.isTTY && stream.isTTY) return showBar(source, stream);
  let last = 0;
  const line = (p: ProgressSnapshot): void => {
    const now = Date.now();
    if (now - last < STATUS_EVERY_MS) return;
    last = now;
    stream.write(`[progress] ${statusLine(p)}\n`);
  };
  source.on('progress', line);
  return () => source.off('progress', line);
}

function showBar(source: ProgressSource, stream: NodeJS.WriteStream): HideProgress {
  let latest: ProgressSnapshot | undefined;
  const line = new LiveBar(stream, (width) => (latest === undefined ? '' : progressLine(latest, width)));
  // cli-progress draws on its own timer; a snapshot only changes what it draws next.
  const update = (p: ProgressSnapshot): void => {
    latest = p;
  };
  // A process that exits with the bar up (an uncaught error) still leaves the shell a clean row.
  const onExit = (): void => line.end();
  source.on('progress', update);
  process.on('exit', onExit);
  const restoreLog = routeLogLines((text) => line.log(text));
  return (summaryRate) => {
    source.off('progress', update);
    process.off('exit', onExit);
    restoreLog();
    // While it runs the bar shows the recent rate; its last frame, above the summary, the run's
    // average, as the summary does: two different rates one above the other read as a mistake.
    const final = source.progress();
    latest = summaryRate === undefined ? final : { ...final, rate: summaryRate };
    line.end();
  };
}
