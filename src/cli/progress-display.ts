import { SingleBar } from 'cli-progress';
import type { ProgressSnapshot } from '../master/run-progress.js';

export interface ProgressSource {
  on(event: 'progress', listener: (snapshot: ProgressSnapshot) => void): unknown;
  off(event: 'progress', listener: (snapshot: ProgressSnapshot) => void): unknown;
}

/** Every how many ms a status line is printed when there is no terminal to draw a bar on. */
const STATUS_EVERY_MS = 5000;

/** One line of counts, for logs and for terminals that cannot show a bar. */
export function statusLine(p: ProgressSnapshot): string {
  const done = p.total === undefined ? `${p.finished}` : `${p.finished}/${p.total} (${((100 * p.finished) / Math.max(1, p.total)).toFixed(1)}%)`;
  const eta = p.etaSeconds === undefined ? '' : ` eta ${formatSeconds(p.etaSeconds)}`;
  return `${done} done, ${Math.round(p.rate)}/s${eta}, buffer ${p.buffered}/${p.size}, in flight ${p.inFlight}, failed ${p.failed}, slaves ${p.slaves}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${Math.ceil(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}

/**
 * Shows a master's progress: a bar on a terminal, a status line every few seconds otherwise.
 * Returns the function that stops it.
 */
export function showProgress(source: ProgressSource, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (process.stdout.isTTY && stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: '{bar} {percentage}% | {value}/{total} | {rate}/s | eta {eta_formatted} | buffer {buffered} | in flight {inFlight} | failed {failed} | slaves {slaves}',
      hideCursor: true,
      fps: 5,
      etaBuffer: 50,
    });
    let started = false;
    const update = (p: ProgressSnapshot): void => {
      const fields = { rate: Math.round(p.rate), buffered: `${p.buffered}/${p.size}`, inFlight: p.inFlight, failed: p.failed, slaves: p.slaves };
      if (!started) bar.start(p.total ?? 0, p.finished, fields);
      started = true;
      if (p.total !== undefined) bar.setTotal(p.total);
      bar.update(p.finished, fields);
    };
    source.on('progress', update);
    return () => {
      source.off('progress', update);
      if (started) bar.stop();
    };
  }
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
