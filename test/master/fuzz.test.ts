import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_SIZE } from '../../src/protocol/messages.js';
import { expandRuns, runsLength } from '../../src/protocol/seq-runs.js';
import { decodeSlaveMessage, reasonKind } from '../../src/protocol/validate.js';
import { hostileFrames, type HostileFrames } from '../helpers/hostile-frames.js';
import { HostilePeer, within } from '../helpers/hostile-peer.js';
import { FIXTURES, killAll, runBin, tempDir } from '../helpers/processes.js';
import { reservePort } from '../helpers/ports.js';
import { countLines, range, readRecord, tally } from '../helpers/record.js';
import { readStateFields } from '../helpers/state.js';

const RECORD = join(FIXTURES, 'record.ts');
const JOBS = 50_000;
/** Fixed so a failure can be replayed; TM_FUZZ_SEED explores others. */
const SEED = Number(process.env.TM_FUZZ_SEED ?? 20_240_531);
/** Property runs: each sends one chunk of hostile messages, then checks the master still answers. */
const CHUNKS = 100;
const FUZZ_PEERS = 4;
/** Rounds of the thief: take a job, lie about it, give it back. */
const THIEF_ROUNDS = 12;
const STALE_RUN = 'deadbeefdeadbeef';

let dir: ReturnType<typeof tempDir>;
let peers: HostilePeer[] = [];

beforeEach(() => {
  dir = tempDir();
});

afterEach(async () => {
  await Promise.all(peers.map((peer) => peer.close()));
  peers = [];
  await killAll();
  dir.remove();
});

function peer(address: string, name: string): HostilePeer {
  const p = new HostilePeer(address, name);
  peers.push(p);
  return p;
}

/** `[0, jobs)` without `seq`, as runs. */
function allBut(seq: number, jobs: number): number[] {
  return [...(seq > 0 ? [0, seq] : []), ...(seq + 1 < jobs ? [seq + 1, jobs - seq - 1] : [])];
}

describe('hostile network input', () => {
  it('drops and counts thousands of hostile frames while a real run finishes every job exactly once', async () => {
    const record = join(dir.path, 'record.txt');
    const state = join(dir.path, 'run.state.json');
    const address = `tcp://127.0.0.1:${await reservePort()}`;
    const startedAt = Date.now();
    const master = runBin(
      'tm-master',
      [RECORD, `n=${JOBS}`, '--address', address, '--state', state, '--no-progress', '--log-level', 'debug', '--retry-backoff', '10', '--lease', '60000'],
      { cwd: dir.path },
    );
    await master.waitFor(/listening on/);

    // The thief is a slave that takes jobs one at a time and lies about them.
    const thief = peer(address, 'fuzz-thief');
    const { run } = await thief.ask(thief.hello(), 'WELCOME');
    // The impostor is admitted too, and claims the jobs of others.
    const impostor = peer(address, 'fuzz-impostor');
    await impostor.ask(impostor.hello(), 'WELCOME');
    // The fuzzing peers are admitted slaves (so DONEs of the run reach the dispatcher) that grant no credit.
    const fuzzers = range(FUZZ_PEERS).map((i) => peer(address, `fuzz-${i}`));
    for (const p of fuzzers) {
      await p.ask(p.hello(), 'WELCOME');
      p.rehello = true;
    }
    for (const p of [...fuzzers, impostor]) p.returnJobs = true;
    const probe = peer(address, 'fuzz-probe');
    const big = peer(address, 'fuzz-big');

    const slave = runBin('tm-slave', [RECORD, '--address', address, '--threads', '1'], { cwd: dir.path, env: { TM_RECORD: record, TM_SPIN_US: '60' } });
    await expect.poll(() => countLines(record), { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
    const recordedAtStart = countLines(record);

    /** `step`, unless the master exits first: then a failure that says so, with its last words. */
    const alive = async <T>(step: Promise<T>, what: string): Promise<T> =>
      Promise.race([
        step,
        master.exited.then(({ code, signal }) => {
          throw new Error(`the master exited (${code ?? signal}) ${what}, the slave having run ${countLines(record)} of ${JOBS} jobs:\n${master.stderr.slice(-2000)}`);
        }),
      ]);
    /** Resolves once the master has read everything sent before: an unknown peer's PING earns a REJECT. */
    const answers = (what: string): Promise<unknown> => alive(probe.ask({ command: 'PING', run: 'probe' }, 'REJECT', 15_000), what);

    // The thief, beside the real run, while jobs are still to be had: each round takes one job and
    // lies about it every way but one.
    const known = { drops: 0, returned: 1, failed: 0 };
    for (let round = 0; round < THIEF_ROUNDS; round++) {
      const batch = await alive(thief.ask({ command: 'CREDIT', run, credit: 1 }, 'JOBS'), `in round ${round} of the thief`);
      const seqs = batch.seqs;
      expect(runsLength(seqs)).toBe(1);
      // Done, but with a stale run id: dropped.
      await thief.say({ command: 'DONE', run: STALE_RUN, seqs, failures: [], ms: 1, credit: 0 });
      // Done, from a slave it was not sent to, while the thief holds it: dropped; then done for
      // every seq of the run (most in flight at the real slave): each seq dropped.
      await impostor.say({ command: 'DONE', run, seqs, failures: [], ms: 1, credit: 0 });
      await impostor.say({ command: 'DONE', run, seqs: [0, JOBS], failures: [], ms: 1, credit: 0 });
      await alive(impostor.ask(impostor.hello(), 'WELCOME'), `in round ${round} of the thief`);
      known.drops += 2 + JOBS;
      // Given back: unstarted (at once), or as a failure (retried elsewhere) when a first try.
      if (round % 2 === 0 || batch.attempts !== undefined) {
        await thief.say({ command: 'DONE', run, seqs: [], failures: [], returned: seqs, ms: 0, credit: 0 });
        known.returned++;
      } else {
        await thief.say({ command: 'DONE', run, seqs, failures: [{ index: 0, error: { message: 'fuzz: refused' } }], ms: 1, credit: 0 });
        known.failed++;
      }
      // Then done after all (a duplicate of the report above), and done for every seq of the run.
      await thief.say({ command: 'DONE', run, seqs, failures: [], ms: 1, credit: 0 });
      await thief.say({ command: 'DONE', run, seqs: [0, JOBS], failures: [], ms: 1, credit: 0 });
      await thief.say({ command: 'PING', run });
      known.drops += 1 + JOBS;
    }
    const thiefDoneAt = countLines(record);
    // Then it holds one job (the anchor) until the fuzzing is over, so the run cannot end before
    // the fuzzing does, however fast the machine; it lies about the others meanwhile.
    const anchorJobs = await alive(thief.ask({ command: 'CREDIT', run, credit: 1 }, 'JOBS'), 'before the thief took its anchor');
    const [anchor] = expandRuns(anchorJobs.seqs) as [number];
    await thief.say({ command: 'DONE', run, seqs: allBut(anchor, JOBS), failures: [], ms: 1, credit: 0 });
    known.drops += JOBS - 1;

    /** What the fuzzing peers sent, and how much of it the decoder refuses (so the master must drop). */
    const sent = { frames: 0, delivered: 0, refused: 0, byKind: new Map<string, number>(), faults: new Set<string>() };

    // Frames over maxMessageSize: ZeroMQ drops the peer's connection; it reconnects; the master still answers.
    let bigFrames = 0;
    for (const frames of [
      [Buffer.from('DONE'), Buffer.alloc(MAX_MESSAGE_SIZE + 1)],
      [Buffer.alloc(MAX_MESSAGE_SIZE + 1), Buffer.from('x')],
    ]) {
      const dropped = big.disconnected();
      await big.send(frames);
      await within(dropped, 15_000, 'disconnect of a peer that sent a frame over maxMessageSize');
      bigFrames++;
    }
    await alive(big.ask({ command: 'PING', run: 'big' }, 'REJECT', 15_000), 'after frames over maxMessageSize');
    // A frame of exactly maxMessageSize is read, and refused by the decoder.
    const atLimit = [Buffer.from('DONE'), Buffer.alloc(MAX_MESSAGE_SIZE, 0xc1)];
    await fuzzers[0]!.send(atLimit);
    sent.delivered++;
    const atLimitDecoded = decodeSlaveMessage(atLimit);
    if (atLimitDecoded.ok) throw new Error('a frame of 0xc1 bytes decoded');
    sent.refused++;
    sent.faults.add(reasonKind(atLimitDecoded.reason));
    await answers('after a frame of maxMessageSize');

    const arbitrary = hostileFrames({ peers: FUZZ_PEERS, run, jobs: JOBS });
    const sendChunk = async (chunk: HostileFrames[]): Promise<void> => {
      for (const { peer: i, kind, frames } of chunk) {
        sent.frames++;
        sent.byKind.set(kind, (sent.byKind.get(kind) ?? 0) + 1);
        if (frames.length === 0) continue; // ZeroMQ sends nothing for no frames
        await fuzzers[i]!.send(frames);
        sent.delivered++;
        const decoded = decodeSlaveMessage(frames.map((f) => Buffer.from(f)));
        if (decoded.ok) continue;
        sent.refused++;
        sent.faults.add(reasonKind(decoded.reason));
      }
      await answers(`after ${sent.frames} hostile frames`);
    };
    console.log(`fuzz: seed ${SEED}, ${CHUNKS} chunks of 50-100 frames, ${FUZZ_PEERS} fuzzing peers, run ${run}, anchor seq ${anchor}`);
    // The anchor keeps the run open however long this takes.
    const details = await fc.check(fc.asyncProperty(fc.array(arbitrary, { minLength: 50, maxLength: 100 }), sendChunk), {
      seed: SEED,
      numRuns: CHUNKS,
      endOnFailure: true,
    });
    if (details.failed) {
      throw new Error(`fuzz failed (seed ${details.seed}, path ${details.counterexamplePath}, after ${sent.frames} frames): ${String(details.errorInstance)}`, {
        cause: details.errorInstance,
      });
    }
    const recordedAtFuzzEnd = countLines(record);

    // The thief leaves, handing back the anchor and claiming to return every other seq too.
    // Had any lie been believed, the anchor (or the jobs around it) would be done already, and the run over.
    await alive(thief.say({ command: 'BYE', run, returned: [0, JOBS] }), 'while the thief still held its job');
    await alive(thief.ask({ command: 'DONE', run, seqs: [0, JOBS], failures: [], ms: 1, credit: 0 }, 'REJECT'), 'while the thief still held its job');

    expect(await within(master.exited, 60_000, 'exit of the master'), master.stderr.slice(-3000)).toEqual({ code: 0, signal: null });
    const lifetimeMs = Date.now() - startedAt;
    expect(await within(slave.exited, 15_000, 'exit of the slave'), slave.stderr).toEqual({ code: 0, signal: null });

    const summary = master.stderr.match(/sent (\d+) jobs in (\d+) batches; dropped (\d+) messages; requeued (\d+) jobs/);
    const [dropped, requeued] = [Number(summary?.[3]), Number(summary?.[4])];
    const dropLines = master.stderr.split('\n').filter((line) => /dropped (a message|DONE)/.test(line));
    const churnLines = master.stderr.split('\n').filter((line) => / (joined|gone: slave left)/.test(line)).length;
    const suppressed = dropLines.reduce((sum, line) => sum + Number(line.match(/\(and (\d+) more of this kind, held back\)/)?.[1] ?? 0), 0);
    // logger.limited logs a key at most once per 5 s: so a line per kind of fault per 5 s, whatever
    // the variety of the input. The kinds: those the decoder named, stale run ids, DONEs for seqs not held.
    const bound = (sent.faults.size + 2) * (1 + Math.ceil(lifetimeMs / 5000));
    console.log(
      `fuzz: ${sent.frames} hostile frames (${sent.delivered} delivered, ${sent.refused} refused by the decoder; ` +
        `${[...sent.byKind].map(([kind, n]) => `${kind} ${n}`).join(', ')}), ${bigFrames} over maxMessageSize; ` +
        `thief: ${THIEF_ROUNDS} rounds (${known.returned} jobs returned, ${known.failed} failed) over by job ${thiefDoneAt}; ` +
        `master: ${dropped} drops counted (at least ${sent.refused + known.drops} expected), ${requeued} jobs requeued, ` +
        `${dropLines.length} drop log lines (bound ${bound}: ${sent.faults.size} kinds of fault, ${lifetimeMs} ms; ${suppressed} more reported suppressed), ${churnLines} slave joined/left lines; ` +
        `the real slave had run ${recordedAtStart} jobs when the thief began, ${recordedAtFuzzEnd} when the fuzzing ended, of ${JOBS}`,
    );

    expect(readStateFields(state)).toMatchObject({ finished: true, ledger: { watermark: JOBS, doneAbove: [], failed: 0 } });
    const { missing, reran, extraRuns } = tally(readRecord(record), range(JOBS));
    expect({ missing: missing.slice(0, 20), missingCount: missing.length, reran: reran.slice(0, 20), extraRuns }).toEqual({
      missing: [],
      missingCount: 0,
      reran: [],
      extraRuns: 0,
    });
    // The test's own premise: no fuzzing peer was ever sent a job; the thief got one a round.
    expect([...fuzzers, impostor].map((p) => p.jobs.length)).toEqual(new Array(FUZZ_PEERS + 1).fill(0));
    expect(thief.jobs.length).toBe(THIEF_ROUNDS + 1);
    expect(summary, master.stderr.slice(-2000)).not.toBeNull();
    expect(dropped).toBeGreaterThanOrEqual(sent.refused + known.drops);
    expect(requeued).toBeGreaterThanOrEqual(known.returned);
    expect(dropLines.length, `over ${bound} drop log lines:\n${dropLines.slice(0, 40).join('\n')}`).toBeLessThanOrEqual(bound);
  });
});
