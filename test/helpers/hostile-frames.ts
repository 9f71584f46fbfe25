/** fast-check generators of what a hostile peer might send a master: everything but a valid grant of credit. */
import fc from 'fast-check';
import { encodeMessage, pack } from '../../src/protocol/codec.js';
import { PROTOCOL_VERSION, type SlaveMessage } from '../../src/protocol/messages.js';
import { runsLength } from '../../src/protocol/seq-runs.js';

/** One message a fuzzing peer sends. */
export interface HostileFrames {
  /** Index of the fuzzing peer that sends it. */
  readonly peer: number;
  /** Which generator made it, for the report. */
  readonly kind: string;
  readonly frames: Uint8Array[];
}

export interface HostileFramesOptions {
  /** How many fuzzing peers take turns. */
  readonly peers: number;
  /** The run id of the live master: messages carrying it reach the dispatcher's DONE and BYE handling. */
  readonly run: string;
  /** Jobs in the run, so that seqs land both inside it and past its end. */
  readonly jobs: number;
}

type Payload = { command: string } & Record<string, unknown>;

const OMIT = Symbol('omit');
const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/** Field values no valid message carries: wrong types, non-finite and huge numbers, giant strings. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -1, -0, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e308, Number.MIN_VALUE),
  fc.constantFrom<unknown>('', 'x', null, true, false, [], {}, [-1, 1], [0, 0], [1, 2, 3], OMIT, 'A'.repeat(70_000)),
  fc.constantFrom<unknown>(new Map([[1, 2]]), new Set([1]), new Date(0), new Uint8Array(8), new Error('boom'), 10n ** 30n, -5n),
  fc.double(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.string({ maxLength: 24 }),
  fc.uint8Array({ maxLength: 24 }),
  fc.array(fc.integer(), { maxLength: 6 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.integer(), { maxKeys: 3 }),
);

/** Seq runs that break a rule: odd length, negative, fractional, empty or giant counts, too many seqs. */
const badRuns: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>([1], [1, 2, 3], [-1, 1], [0, -1], [0, 0], [1.5, 1], [0, 1e15], [0, 100_001], [Number.MAX_SAFE_INTEGER, 2], [NaN, 1], [0, Infinity]),
  fc.constantFrom<unknown>(['0', 1], [0, '1'], [null, 1], [[0, 1]], new Array(200_002).fill(1), new Array(3000).fill([0, 40]).flat()),
  fc.array(fc.integer({ min: -10, max: 2 ** 40 }), { maxLength: 7 }),
);

export function hostileFrames({ peers, run, jobs }: HostileFramesOptions): fc.Arbitrary<HostileFrames> {
  const fakeRun = fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }), fc.string({ maxLength: 70 }));
  const anyRun = fc.oneof(fakeRun, fc.constant(run));
  // Valid runs: some inside the run (held by the real slave, or done), some past its end.
  const runs = fc.oneof(
    fc.array(fc.tuple(fc.nat({ max: jobs * 2 }), fc.integer({ min: 1, max: 3000 })), { maxLength: 4 }).map((pairs) => pairs.flat()),
    fc.constantFrom([0, jobs], [jobs - 1, 1], [10 ** 9, 5], [Number.MAX_SAFE_INTEGER - 1, 1], [0, 100_000]),
  );
  const failure = fc.record({ index: fc.nat(), error: fc.record({ message: fc.string({ maxLength: 40 }) }) });
  // A DONE valid in itself: failure indexes and results fit its seqs. Most DONEs the fuzzer sends.
  const done = (runArb: fc.Arbitrary<string>): fc.Arbitrary<Payload> =>
    fc
      .record({ run: runArb, seqs: runs, failures: fc.array(failure, { maxLength: 3 }), results: fc.boolean(), returned: fc.option(runs, { nil: undefined }) })
      .chain(({ run: r, seqs, failures, results, returned }) => {
        const length = runsLength(seqs);
        return fc.record({ ms: fc.double({ min: 0, max: 1e9, noNaN: true }), credit: fc.nat({ max: 1_000_000 }) }).map(({ ms, credit }) => ({
          command: 'DONE',
          run: r,
          seqs,
          failures: length === 0 ? [] : failures.map((f) => ({ ...f, index: f.index % length })),
          ...(results && length <= 64 ? { results: Array.from({ length }, (_, i) => i) } : {}),
          ...(returned === undefined ? {} : { returned }),
          ms,
          credit,
        }));
      });
  const message = (runArb: fc.Arbitrary<string>): fc.Arbitrary<Payload> =>
    fc.oneof(
      {
        weight: 1,
        arbitrary: fc.record({
          command: fc.constant('HELLO'),
          version: fc.oneof(fc.constant(PROTOCOL_VERSION), fc.constantFrom(0, 1, PROTOCOL_VERSION + 1)),
          slave: fc.string({ maxLength: 20 }),
          host: fc.string({ maxLength: 20 }),
          pid: fc.nat(),
          threads: fc.integer({ min: 1, max: 64 }),
          concurrency: fc.integer({ min: 1, max: 256 }),
          capacity: fc.integer({ min: 1, max: 1_000_000 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ command: fc.constant('CREDIT'), run: runArb, credit: fc.nat({ max: 1_000_000 }) }) },
      { weight: 4, arbitrary: done(runArb) },
      { weight: 1, arbitrary: fc.record({ command: fc.constant('PING'), run: runArb }) },
      { weight: 1, arbitrary: fc.record({ command: fc.constant('BYE'), run: runArb, returned: runs }) },
    );
  // One field replaced (or removed), or a field added; then credit made harmless.
  const mutated = fc
    .tuple(message(anyRun), fc.nat(), fc.oneof(weird, badRuns), fc.constantFrom('__proto__', 'constructor', 'extra'))
    .map(([payload, pick, value, extra]) => {
      const keys = [...Object.keys(payload).filter((key) => key !== 'command'), extra];
      const key = keys[pick % keys.length]!;
      const out: Payload = { ...payload };
      if (value === OMIT) delete out[key];
      else Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      return frames(withoutCredit(out, run));
    });
  const wellFormed = message(anyRun).map((payload) => frames(withoutCredit(payload, run)));
  // Byte-level damage to a well-formed message of another run: its credit cannot reach the dispatcher.
  const damaged = fc
    .tuple(message(fakeRun), fc.array(fc.tuple(fc.constantFrom('set', 'cut', 'insert'), fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }))
    .map(([payload, edits]) => {
      const [command, body] = frames(payload);
      let bytes = Buffer.from(body!);
      for (const [edit, at, byte] of edits) {
        const i = at % (bytes.length + 1);
        if (edit === 'set' && i < bytes.length) bytes[i] = byte;
        else if (edit === 'cut') bytes = bytes.subarray(0, i);
        else bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
      }
      return [command!, bytes];
    });
  const commandWord = fc.constantFrom('HELLO', 'CREDIT', 'DONE', 'PING', 'BYE');
  const garbagePayload = fc.oneof(
    fc.tuple(commandWord, fc.uint8Array({ maxLength: 64 })).map(([command, body]) => [ascii(command), body]),
    fc.tuple(commandWord, weird).map(([command, value]) => [ascii(command), pack(value === OMIT ? undefined : value)]),
  );
  const unknownCommand = fc
    .tuple(
      fc.oneof(fc.constantFrom('WELCOME', 'REJECT', 'JOBS', 'QUIT', 'hello', 'Done', 'DONE ', 'HELLO\u0000', 'X'.repeat(17), ''), fc.string({ maxLength: 20 })),
      message(fakeRun),
    )
    .map(([command, payload]) => [Buffer.from(command, 'utf8'), frames(payload)[1]!]);
  const wrongCount = fc.tuple(fc.constantFrom(0, 1, 3, 5, -3), message(anyRun)).map(([count, payload]) => {
    const [command, body] = frames(withoutCredit(payload, run));
    if (count === -3) return [new Uint8Array(0), command!, body!]; // a REQ-style empty delimiter first
    return [command!, body!, body!, command!, body!].slice(0, count);
  });
  const random = fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 });
  const kinds: Array<[string, number, fc.Arbitrary<Uint8Array[]>]> = [
    ['random', 2, random],
    ['wrong-count', 2, wrongCount],
    ['garbage-payload', 2, garbagePayload],
    ['unknown-command', 2, unknownCommand],
    ['well-formed', 2, wellFormed],
    ['mutated-field', 6, mutated],
    ['damaged-bytes', 4, damaged],
  ];
  return fc.oneof(
    ...kinds.map(([kind, weight, arb]) => ({
      weight,
      arbitrary: fc.tuple(fc.nat({ max: peers - 1 }), arb).map(([peer, frames]): HostileFrames => ({ peer, kind, frames })),
    })),
  );
}

function frames(payload: Payload): Uint8Array[] {
  return encodeMessage(payload as unknown as SlaveMessage);
}

/**
 * Fuzzing peers may say HELLO, so a CREDIT or DONE of the live run must grant nothing: a peer
 * sent jobs could then report them done without running them, legitimately.
 */
function withoutCredit(payload: Payload, run: string): Payload {
  const credit = payload.credit;
  const grants = typeof credit === 'number' && Number.isInteger(credit) && credit > 0;
  const grantsBig = typeof credit === 'bigint' && credit > 0n;
  return payload.run === run && (grants || grantsBig) ? { ...payload, credit: 0 } : payload;
}
