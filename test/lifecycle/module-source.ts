/**
 * The text of a scenario's task module (.mjs: it loads without tsx, so a seed stays quick). Its
 * generator resumes from `last` and yields the same jobs after it each time; it fails where the
 * model says, in incarnations below each point's `until` ($LC_INC). Each handler run appends
 * `<seq> <job.s> <pid> <incarnation> <attempt>` to $LC_RECORD, one write on an O_APPEND fd.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ROOT } from '../helpers/processes.js';
import type { TaskModel } from './model.js';

/** The engine's public API as the bins load it: one module instance, so `withCursor` is recognised. */
const ENGINE = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;

/** The token a generator failure at `seq` prints: its reason, counted in the output. */
export function failureToken(seq: number): string {
  return `lc-fail-${seq}`;
}

/** Seqs whose result `handleResult` will see: their handler succeeds on its first attempt. */
function succeeding(task: TaskModel): number[] {
  return task.handlers.flatMap((plan, seq) => ((plan === 'ok' || plan === 'slow') && !task.rejects.includes(seq) && !task.results.throwsAt.includes(seq) ? [seq] : []));
}

/** The module for `task`, as .mjs text. */
export function moduleSource(task: TaskModel, seed: number): string {
  const { results } = task;
  const json = (value: unknown): string => JSON.stringify(value);
  // More microtasks after it saw a result than before: the generator's throw lands while the DONE is still being recorded (finding 1).
  const ticks = (n: number): string => (n > 0 ? `for (let i = 0; i < ${n}; i++) await null;` : '');
  const settle =
    results.kind === 'none'
      ? ''
      : `
const refused = new Set();
export ${results.kind === 'sync' ? '' : 'async '}function handleResult(result) {
  ${results.kind === 'micro' ? ticks(Math.floor(results.ticks / 2)) : results.kind === 'io' ? 'await fsp.stat(HERE);' : ''}
  if (RESULT_THROWS.has(result) && (${results.throwsAlways} || !refused.has(result))) {
    refused.add(result);
    throw new Error(\`lc-result-\${result}\`);
  }
  seen.add(result);
  wake?.();
  ${results.kind === 'micro' ? ticks(3 * results.ticks) : ''}
}`;
  return `// Written by test/lifecycle/module-source.ts for seed ${seed}: the lifecycle search's task.
import { openSync, writeSync, promises as fsp } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rejectJob, withCursor } from ${json(ENGINE)};

const JOBS = ${task.jobs};
const KEYED = ${task.cursor === 'key'};
const AWAITS = ${json(task.awaits)};
const HANDLERS = ${json(task.handlers)};
const SLOW_MS = ${task.slowMs};
const REJECTS = new Set(${json(task.rejects)});
const FAILURES = new Map(${json(task.failures.map((f) => [f.seq, f]))});
const SUCCEEDING = new Set(${json(succeeding(task))});
const RESULT_THROWS = new Set(${json(results.throwsAt)});
const INCARNATION = Number(process.env.LC_INC ?? 0);
const HERE = fileURLToPath(import.meta.url);

const seen = new Set();
let wake;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function pause(kind, seq) {
  if (kind === 'micro') await null;
  else if (kind === 'io') await fsp.stat(HERE);
  else if (kind === 'timer') await sleep(1 + (seq % 4));
}

function nest(value, depth) {
  let v = value;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { d: v } : [v];
  return v;
}

// Until handleResult has seen every result this incarnation should see so far (or 1.5 s).
async function resultsSeen(yielded) {
  const deadline = Date.now() + 1500;
  while (yielded.some((s) => SUCCEEDING.has(s) && !seen.has(s)) && Date.now() < deadline) {
    await new Promise((resolve) => {
      wake = resolve;
      setTimeout(resolve, 50);
    });
  }
}

function startOf(last) {
  if (!KEYED) return last ?? 0;
  if (last === undefined) return 0;
  if (typeof last !== 'string' || !/^k\\d+$/.test(last)) throw new Error(\`lc-bad-cursor: resumed after \${String(last)}\`);
  return Number(last.slice(1)) + 1;
}

export async function* getJobs(last) {
  const yielded = [];
  for (let s = startOf(last); s <= JOBS; s++) {
    await pause(AWAITS[s], s);
    const f = FAILURES.get(s);
    const active = f !== undefined && INCARNATION < f.until;
    if (active && f.kind === 'throw') {
      if (f.after === 'results') await resultsSeen(yielded);
      else await pause(f.after, s);
      throw new Error(\`lc-fail-\${s}: the generator gave up before seq \${s}\`);
    }
    if (s === JOBS) return;
    let job = { s };
    if (active && f.kind === 'job') job = { s, deep: nest(f.value === 'function' ? () => s : Symbol('lc'), f.depth) };
    if (REJECTS.has(s)) job = rejectJob(job, \`lc-reject-\${s}\`);
    yielded.push(s);
    yield KEYED ? withCursor(job, active && f.kind === 'cursor' ? Symbol(\`lc-cursor-\${s}\`) : \`k\${s}\`) : job;
  }
}

let fd;
export async function handleJob(job, { seq, attempt }) {
  fd ??= openSync(process.env.LC_RECORD, 'a');
  const s = typeof job?.s === 'number' ? job.s : -1;
  writeSync(fd, \`\${seq} \${s} \${process.pid} \${INCARNATION} \${attempt}\\n\`);
  switch (HANDLERS[s]) {
    case 'slow': await sleep(SLOW_MS); break;
    case 'throw': throw new Error(\`lc-handler-\${s}\`);
    case 'throw-once': if (attempt === 0) throw new Error(\`lc-handler-once-\${s}\`); break;
    case 'timeout': await sleep(60_000); break;
  }
  return s;
}
${settle}
`;
}
