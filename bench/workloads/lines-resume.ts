/**
 * lines-resume: how long the lines source takes to resume near the end of a large file. A file of
 * 2 GiB (2M lines of 1 KiB; 256 MiB with --quick) is written to the OS temp dir; a first tm-run
 * (the lines source, bench/tasks/noop.ts's handler) runs all but its last 1000 lines; then, in
 * turn, a fresh run of the first 1000 lines (`--limit 1000`, another state) and the resume of the
 * last 1000 are timed from spawn to exit, and in this process the source's first job is timed
 * from `getJobs` at offset 0 and at the resume cursor. Equal times mean the resume seeks rather
 * than reads what was done. The file is deleted after.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getJobs } from '../../src/sources/lines.js';
import { median, round, NO_BASELINE, CORES, type Row, type Settings } from '../lib/report.js';
import { makeTempDir, removeTempDir } from '../lib/temp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TAIL = 1000;
const LINE = 1024;

/** Writes `lines` lines of LINE bytes (a newline each) to `file`. */
function writeLines(file: string, lines: number): void {
  const block = Buffer.alloc(LINE * 1024, 'x');
  for (let i = LINE - 1; i < block.length; i += LINE) block[i] = 0x0a;
  const fd = openSync(file, 'w');
  try {
    for (let written = 0; written < lines; written += 1024) writeSync(fd, block, 0, Math.min(1024, lines - written) * LINE);
  } finally {
    closeSync(fd);
  }
}

/** Runs tm-run over `file` with `extra` flags in `dir`; returns the seconds from spawn to exit. */
async function tmRun(dir: string, file: string, state: string, extra: readonly string[]): Promise<number> {
  const started = performance.now();
  const args = [path.join(ROOT, 'dist', 'bin', 'tm-run.js'), '--source', 'taskmaster-ts/sources/lines', path.join(ROOT, 'bench', 'tasks', 'noop.ts'), '1', `path=${file}`, '--threads', '1', '--state', state, '--no-progress', '--log-level', 'warn', ...extra];
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`tm-run ${extra.join(' ')} exited with ${code}`);
  return (performance.now() - started) / 1000;
}

/** Milliseconds from calling the lines source's getJobs to its first job. */
async function firstJobMs(file: string, last: { offset: number; line: number } | undefined): Promise<number> {
  const started = performance.now();
  const jobs = getJobs(last, { path: file });
  await jobs.next();
  const ms = performance.now() - started;
  await jobs.return(undefined);
  return ms;
}

export async function linesResume(settings: Settings): Promise<Row[]> {
  const lines = settings.quick ? 256 * 1024 : 2 * 1024 * 1024;
  const dir = makeTempDir('tm-bench-lines-');
  try {
    const file = path.join(dir, 'huge.txt');
    writeLines(file, lines);
    settings.log(`lines-resume: wrote ${((lines * LINE) / 2 ** 30).toFixed(2)} GiB; running the first ${lines - TAIL} lines`);
    const state = path.join(dir, 'resume.state.json');
    const firstRun = await tmRun(dir, file, state, ['--limit', String(lines - TAIL)]);
    const cursor = (JSON.parse(readFileSync(state, 'utf8')) as { ledger: { lastCursor: { offset: number; line: number } } }).ledger.lastCursor;
    const fresh: number[] = [];
    const resumed: number[] = [];
    const sourceFresh: number[] = [];
    const sourceResumed: number[] = [];
    for (let i = 1; i <= settings.runs; i++) {
      fresh.push(await tmRun(dir, file, path.join(dir, `fresh-${i}.state.json`), ['--limit', String(TAIL)]));
      // A copy of the state each time: every resume starts TAIL lines before the end.
      const copy = path.join(dir, `resume-${i}.state.json`);
      writeSync(openSync(copy, 'w'), readFileSync(state));
      resumed.push(await tmRun(dir, file, copy, []));
      sourceFresh.push(await firstJobMs(file, undefined));
      sourceResumed.push(await firstJobMs(file, cursor));
      settings.log(`lines-resume ${i}/${settings.runs}: fresh ${TAIL} lines ${fresh.at(-1)!.toFixed(2)} s, resume of the last ${TAIL} ${resumed.at(-1)!.toFixed(2)} s; source's first job ${sourceFresh.at(-1)!.toFixed(2)} ms fresh, ${sourceResumed.at(-1)!.toFixed(2)} ms at byte ${cursor.offset}`);
    }
    return [
      {
        name: 'lines-resume',
        jobs: TAIL,
        runs: settings.runs,
        seconds: round(median(resumed), 3),
        jobs_per_s: Math.round(TAIL / median(resumed)),
        ...NO_BASELINE,
        master_peak_rss_mb: null,
        slave_peak_rss_mb: null,
        cores: CORES,
        file_bytes: lines * LINE,
        resume_offset: cursor.offset,
        first_run_s: round(firstRun, 2),
        fresh_run_s: round(median(fresh), 3),
        resume_run_s: round(median(resumed), 3),
        source_first_job_ms_fresh: round(median(sourceFresh), 2),
        source_first_job_ms_resumed: round(median(sourceResumed), 2),
      },
    ];
  } finally {
    removeTempDir(dir);
  }
}
