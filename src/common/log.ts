/** Leveled, rate-limited logging to stderr; the one place the library writes text. */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { plural } from './plural.js';
import { wrapWords } from './wrap-words.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** Logs at most once per `everyMs` for `key`, saying how many were suppressed. */
  limited(level: LogLevel, key: string, message: string, everyMs?: number): void;
  /** Says how many `limited` messages are suppressed and not told yet: call it as the process ends, or they go untold. */
  flush(): void;
}

/** Where this process's log lines go while a progress display is up; stderr otherwise. */
let sink: ((line: string) => void) | undefined;

/** Writes one log line (it ends in a newline) to stderr, or to the display that took the log lines. */
export function writeLogLine(line: string): void {
  // On a terminal, broken between words to its width: its own wrap would cut paths in two.
  const columns = process.stderr.isTTY ? process.stderr.columns : undefined;
  const text = columns === undefined ? line : wrapWords(line, columns);
  if (sink === undefined) process.stderr.write(text);
  else sink(text);
}

/**
 * Sends every log line of this process to `next` instead of stderr, until the returned function
 * is called: a progress display prints them above its bar.
 *
 * @example
 * const restore = routeLogLines((line) => bar.log(line));
 * // … later
 * restore();
 */
export function routeLogLines(next: (line: string) => void): () => void {
  const previous = sink;
  sink = next;
  return () => {
    if (sink === next) sink = previous;
  };
}

/**
 * Passes each line of `input` (a child's stderr) on to `writeLogLine`, an unterminated last line
 * too, each after `prefix` (a host's `[h1] `); resolves once `input` has ended and every line is
 * passed on. `onLine` sees each line too (the last one often says why a child exited).
 */
export async function forwardLogLines(input: Readable, prefix = '', onLine?: (line: string) => void): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  lines.on('line', (line) => {
    onLine?.(line);
    writeLogLine(`${prefix}${line}\n`);
  });
  // A broken pipe ends the forwarding; it must not end the process that forwards.
  lines.on('error', () => lines.close());
  await once(lines, 'close').catch(() => undefined);
}

/** A logger that prints `[name] message` lines at `level` and above to `write`. */
export function createLogger(name: string, level: LogLevel, write: (line: string) => void = writeLogLine): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const last = new Map<string, { at: number; suppressed: number; level: LogLevel; message: string }>();
  const emit = (at: LogLevel, message: string): void => {
    if (LOG_LEVELS.indexOf(at) <= threshold) write(`[${name}] ${at === 'info' ? '' : `${at}: `}${message}\n`);
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
    limited(at, key, message, everyMs = 5000) {
      const now = Date.now();
      const seen = last.get(key);
      if (seen !== undefined && now - seen.at < everyMs) {
        seen.suppressed++;
        return;
      }
      const suffix = seen !== undefined && seen.suppressed > 0 ? ` (and ${seen.suppressed} more of this kind, held back)` : '';
      last.set(key, { at: now, suppressed: 0, level: at, message });
      if (last.size > 1000) last.delete(last.keys().next().value as string);
      emit(at, message + suffix);
    },
    flush() {
      for (const seen of last.values()) {
        if (seen.suppressed === 0) continue;
        const like = seen.message.length > 80 ? `${seen.message.slice(0, 77)}...` : seen.message;
        // Says how many lines of the kind were held back, showing the last one printed as the kind's example, not as the one repeated.
        emit(seen.level, `${plural(seen.suppressed, 'more line')} of this kind held back; the last one shown was: ${like}`);
        seen.suppressed = 0;
      }
    },
  };
}
