import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';

/**
 * tm-run under a real pseudo-terminal: tmux runs it in a window of a given size, and the tests
 * read the screen back once the shell has printed what comes after the run.
 */

const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
const NO_TMUX = 'tmux is not installed (apt-get install -y tmux), so the terminal tests cannot run';
// Locally a missing tmux skips these tests; in CI it fails them.
const SKIP = !HAS_TMUX && !process.env.CI;

const TM_RUN = join(ROOT, 'dist', 'bin', 'tm-run.js');
const SQUARES = join(ROOT, 'examples', 'squares.ts');
const CHATTY = join(ROOT, 'test', 'fixtures', 'chatty.ts');

/** A progress bar line: an optional bar, then the percentage. */
const BAR = /^(\[[=-]+\] +)?\d+% \| /;
/** A part of a bar, wherever it is. */
const BAR_PART = /\d+% \| \d+\/\d+/;
/** The fields a bar may end with, whole. */
const LAST_FIELD = /(\d+%|\d+\/\d+|\d+\/s|eta (--|\w+)|buffer \d+\/\d+|in flight \d+|retrying \d+|failed \d+|slaves \d+)$/;
/** Said after each `[chatty]` line in the resize test: longer than the narrow terminal. */
const SAY = ': a log line longer than thirty columns';
/** Every kind of line these runs may print. */
const KINDS = [/^BEFORE$/, /^\[(master|slave \d+|tm-run|chatty)\] /, BAR, /^tm-run: (finished|stopped|failed): /, /^EXITED \d+$/, /^AFTER$/];

let sockets = 0;

/** One tmux server of its own (a socket per test), with one window running `command`. */
class Terminal {
  readonly #socket = `tm-test-${process.pid}-${++sockets}`;
  readonly #socketPath: string;

  constructor(width: number, command: string) {
    this.#tmux('-f', '/dev/null', 'new-session', '-d', '-x', String(width), '-y', '30', '-c', ROOT, command);
    this.#socketPath = this.#tmux('display-message', '-p', '#{socket_path}').trim();
  }

  /**
   * The screen and its scrollback as lines, trailing blanks dropped, wrapped lines joined: those
   * the terminal wrapped, and log lines tm-run broke between words (their next rows indented).
   */
  lines(): string[] {
    const text = this.#tmux('capture-pane', '-p', '-J', '-S', '-');
    const lines: string[] = [];
    for (const line of text.split('\n').map((row) => row.trimEnd())) {
      if (/^ {2}\S/.test(line) && lines.length > 0) lines[lines.length - 1] += ` ${line.trimStart()}`;
      else lines.push(line);
    }
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    return lines;
  }

  /** The screen's rows as drawn, wrapped lines not joined. */
  rows(): string[] {
    return this.#tmux('capture-pane', '-p', '-S', '-').split('\n');
  }

  resize(width: number): void {
    this.#tmux('resize-window', '-x', String(width), '-y', '30');
  }

  keys(...keys: string[]): void {
    this.#tmux('send-keys', ...keys);
  }

  /** Ends the server and what runs in it, and removes its socket, which tmux leaves behind. */
  kill(): void {
    spawnSync('tmux', ['-L', this.#socket, 'kill-server']);
    rmSync(this.#socketPath, { force: true });
  }

  #tmux(...args: string[]): string {
    const env = { ...process.env };
    delete env.TMUX;
    return execFileSync('tmux', ['-L', this.#socket, ...args], { encoding: 'utf8', env });
  }
}

/** The shell line for tm-run with `args`, between lines that show the shell's own output survives. */
function shellLine(args: string, env = ''): string {
  return `echo BEFORE; ${env} node ${TM_RUN} ${args}; printf 'EXITED %s\\nAFTER\\n' $?; sleep 60`;
}

/** Waits for the shell's lines after the run (one write), wherever they land; returns the screen. */
async function finished(term: Terminal): Promise<string[]> {
  await expect.poll(() => term.lines().join('\n'), { timeout: 90_000, interval: 100 }).toMatch(/EXITED \d+/);
  return term.lines();
}

/** Waits until a bar (whatever its look) is up, on a line at least `length` long. */
async function barShown(term: Terminal, length = 0): Promise<void> {
  await expect.poll(() => term.lines().join('\n'), { timeout: 30_000, interval: 50 }).toMatch(new RegExp(`^(?=.{${length},}$).*\\d+% \\| `, 'm'));
}

/** Waits until the screen's last line is a bar that `fits`, so one was drawn since the last resize. */
async function lastBar(term: Terminal, fits: (bar: string) => boolean): Promise<void> {
  const fitting = (): boolean => {
    const last = term.lines().at(-1) ?? '';
    return BAR.test(last) && fits(last);
  };
  await expect.poll(fitting, { timeout: 30_000, interval: 50 }).toBe(true);
}

/** Asserts what every final screen must show; returns the final bar. */
function expectCleanScreen(lines: string[], width: number, outcome: 'finished' | 'stopped', code: number): string {
  const screen = lines.join('\n');
  expect(lines[0], screen).toBe('BEFORE');
  for (const line of lines) expect(KINDS.some((kind) => kind.test(line)), `a line of no known kind (glued?): ${JSON.stringify(line)}\n${screen}`).toBe(true);
  // A bar never shares a line with anything else, and none is left behind.
  for (const line of lines.filter((l) => !BAR.test(l))) expect(line, screen).not.toMatch(BAR_PART);
  const bars = lines.filter((line) => BAR.test(line));
  expect(bars, screen).toHaveLength(1);
  const bar = bars[0]!;
  expect(bar.length, bar).toBeLessThanOrEqual(width);
  expect(bar, 'the bar ends with a whole field').toMatch(LAST_FIELD);
  // The summary whole, on the line below the bar, and the shell's lines intact after it.
  const at = lines.indexOf(bar);
  expect(lines.slice(at + 1), screen).toEqual([expect.stringMatching(new RegExp(`^tm-run: ${outcome}: \\d+ jobs done, 0 dead-lettered in [\\d.]+ s \\(\\d+ jobs/s\\)(; \\d+ of \\d+ finished over the whole run)?$`)), `EXITED ${code}`, 'AFTER']);
  expect(screen).not.toContain('^C');
  // The last frame shows the rate the summary gives, not a second, different one.
  const rate = / (\d+)\/s(?: |$)/.exec(bar)?.[1];
  if (rate !== undefined) expect(lines[at + 1], screen).toContain(`(${rate} jobs/s)`);
  return bar;
}

/** A fresh temp dir per test (for the state), every process started ended after it. */
const dir = useTestDir();
let term: Terminal | undefined;

afterEach(() => {
  term?.kill();
  term = undefined;
});

if (SKIP) console.warn(`Skipping the terminal tests: ${NO_TMUX}.`);

describe.skipIf(SKIP)('tm-run in a terminal', () => {
  if (!HAS_TMUX) {
    it('finds tmux', () => {
      throw new Error(`${NO_TMUX}; CI must install it (.ci/run does)`);
    });
    return;
  }

  it.each([80, 100])('ends a run at %i columns with one bar at 100%%, the summary below it and the shell intact', async (width) => {
    term = new Terminal(width, shellLine(`${SQUARES} 2 n=300000 --threads 1 --state ${join(dir.path, 's.json')}`));
    const lines = await finished(term);

    const bar = expectCleanScreen(lines, width, 'finished', 0);
    expect(bar).toMatch(/\b100% \| 300000\/300000 \|/);
    // Under load the second slave may join only after the last job: it is then told the run is over.
    expect(bar).toMatch(/^\[=+\] .* \| slaves [12]$/);
    expect(lines.filter((line) => /^\[master\] slave \S+ joined/.test(line)).length).toBeGreaterThanOrEqual(1);
  });

  it('breaks a log line wider than the terminal between words: a long state path is never cut in two', async () => {
    const deep = join(dir.path, 'a-directory-with-a-rather-long-name');
    const state = join(deep, 'the-state-of-this-run.state.json');
    term = new Terminal(100, shellLine(`${SQUARES} 1 n=1000 --threads 1 --state ${state}`));
    await finished(term);

    const rows = term.rows();
    // Whole on a row of its own (the terminal's own wrap cut it where the 100th column fell).
    expect(rows.some((row) => row.trim() === state), rows.join('\n')).toBe(true);
    expect(rows.every((row) => row.length <= 100)).toBe(true);
  });

  it('prints the slaves’ stderr lines above the bar, each whole on its own line, none lost', async () => {
    const jobs = 3000;
    term = new Terminal(100, shellLine(`${CHATTY} 2 n=${jobs} --threads 1 --state ${join(dir.path, 's.json')}`, 'TM_CHATTY_MS=1 TM_CHATTY_EVERY=250'));
    const lines = await finished(term);

    expectCleanScreen(lines, 100, 'finished', 0);
    const chatty = lines.filter((line) => line.startsWith('[chatty]'));
    expect(chatty.sort()).toEqual(Array.from({ length: jobs / 250 }, (_, i) => `[chatty] job ${i * 250}`).sort());
  });

  it.each([80, 100])('never wraps the bar through a resize from %i to 30 columns and back, and wraps long log lines whole', async (width) => {
    // Jobs from 2000 wait for the first gate, from 4000 for the second: the run is certainly going
    // while narrow (printing long lines there) and after widening again.
    const [narrow, wide] = [join(dir.path, 'narrow'), join(dir.path, 'wide')];
    const env = `TM_CHATTY_MS=1 TM_CHATTY_EVERY=1000 TM_CHATTY_GATE=${narrow},${wide} TM_CHATTY_GATE_FROM=2000,4000 TM_CHATTY_SAY='${SAY}'`;
    term = new Terminal(width, shellLine(`${CHATTY} 2 n=6000 --threads 1 --state ${join(dir.path, 's.json')}`, env));
    await barShown(term, 31);
    term.resize(30);
    await lastBar(term, (bar) => bar.length <= 30);
    writeFileSync(narrow, '');
    await expect.poll(() => term!.lines().join('\n'), { timeout: 30_000, interval: 50 }).toMatch(/^\[chatty\] job 3000/m);
    term.resize(width);
    await lastBar(term, (bar) => bar.length > 30);
    writeFileSync(wide, '');
    const lines = await finished(term);

    const bar = expectCleanScreen(lines, width, 'finished', 0);
    expect(bar).toMatch(/\b100% \| 6000\/6000 \|/);
    // linewrap: true. cli-progress's default turns the terminal's wrap off, which cuts these at 30 columns.
    const chatty = lines.filter((line) => line.startsWith('[chatty]'));
    expect(chatty.sort()).toEqual(Array.from({ length: 6 }, (_, i) => `[chatty] job ${i * 1000}${SAY}`).sort());
  });

  it.each([80, 100])('takes a Ctrl-C at %i columns: the stop told at once, the slaves’ last lines above one final frame, the summary below', async (width) => {
    // Jobs from 200 wait for the gate: the run cannot end before the test has seen the stop told.
    const gate = join(dir.path, 'gate');
    const env = `TM_CHATTY_MS=1 TM_CHATTY_EVERY=1000000 TM_CHATTY_GATE=${gate} TM_CHATTY_GATE_FROM=200 TM_CHATTY_TELL_GATE=1`;
    term = new Terminal(width, shellLine(`${CHATTY} 2 n=1000000 --threads 1 --state ${join(dir.path, 's.json')}`, env));
    await expect.poll(() => term!.lines().join('\n'), { timeout: 30_000, interval: 50 }).toMatch(/^\[chatty\] job \d+ waits at a gate$/m);
    // Both slaves welcomed, so each has a last line to say as it leaves.
    await expect.poll(() => term!.lines().filter((line) => /^\[slave \d+\] welcomed by run /.test(line)), { timeout: 30_000, interval: 50 }).toHaveLength(2);
    // The rate down to 0 (its window is 5 s): the bar stands still, each of its draws the same.
    await lastBar(term, (bar) => / 0\/s \| eta -- /.test(bar));
    term.keys('C-c');
    try {
      // Told while the run stops, not at its end: cli-progress's gracefulExit would stop the bar on
      // the SIGINT and hold every log line back until then.
      await expect.poll(() => term!.lines().join('\n'), { timeout: 10_000, interval: 50 }).toMatch(/^\[master\] stopping: waiting up to \d+ ms for \d+ in-flight jobs?$/m);
      expect(term.lines().join('\n')).not.toMatch(/EXITED/);
      // Drawn again below the lines, though unchanged: without forceRedraw cli-progress leaves the
      // row the lines cleared empty until the bar changes (at 100 columns in flight changes).
      await lastBar(term, () => true);
    } finally {
      writeFileSync(gate, '');
    }
    const lines = await finished(term);

    const bar = expectCleanScreen(lines, width, 'stopped', 130);
    expect(bar).not.toMatch(/\b100%/);
    // The slaves' lines as they leave come just before the end, still in cli-progress's buffer:
    // its stop() alone drops them (npkgz/cli-progress#145).
    expect(lines.filter((line) => /^\[slave \d+\] (warn: )?left\b/.test(line))).toHaveLength(2);
  });
});
