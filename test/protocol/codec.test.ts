import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage, pack, unpack } from '../../src/protocol/codec.js';
import { PROTOCOL_VERSION, type Command, type Message } from '../../src/protocol/messages.js';
import { toRuns } from '../../src/protocol/seq-runs.js';
import { decodeMasterMessage, decodeSlaveMessage } from '../../src/protocol/validate.js';

/** Values a job, a result or a cursor may hold, nested. */
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('array'), tie('object'), tie('map'), tie('set')),
  leaf: fc.oneof(
    fc.maxSafeInteger(),
    fc.double().map((n) => (Object.is(n, -0) ? 0 : n)), // msgpack has no -0
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt(),
    fc.date(),
    fc.uint8Array().map((bytes) => Buffer.from(bytes)),
    fc.uint8Array(),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  // `__proto__` is renamed on the way in (see validate.test.ts), so it cannot round-trip.
  object: fc.dictionary(fc.string().filter((key) => key !== '__proto__'), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  map: fc.array(fc.tuple(fc.oneof(fc.string(), fc.integer(), tie('value')), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
  set: fc.array(fc.oneof(fc.string(), fc.integer(), tie('value')), { maxLength: 4 }).map((items) => new Set(items)),
}));

describe('pack and unpack', () => {
  it('round-trip structured jobs: numbers, strings, nested objects and arrays, binary, dates, bigints, maps, sets, null and undefined', () => {
    const jobs = [
      { id: 1, name: 'first', ratio: 0.25, big: 2 ** 53 - 1, negative: -17, tags: ['a', 'b'], nested: { deep: { deeper: [1, [2, [3]]] } } },
      { id: 2, name: 'ünïcödé 😀', bytes: Buffer.from('hello'), view: Uint8Array.of(1, 2, 3), when: new Date('2026-11-27T06:26:19.123Z') },
      { id: 3, huge: 10n ** 30n, small: -5n, byKey: new Map<unknown, unknown>([[1, 'one'], ['two', 2], [{ k: 1 }, [3]]]), members: new Set([1, 'x']) },
      { id: 4, nothing: null, missing: undefined, list: [undefined, null, 0, '', false] },
      42,
      'plain',
      null,
      undefined,
      [],
      {},
    ];
    const back = unpack(pack(jobs));
    expect(back).toStrictEqual(jobs);
    const [, second] = back as [unknown, { bytes: unknown; view: unknown; when: unknown }];
    expect(second.bytes).toBeInstanceOf(Buffer);
    expect(second.when).toBeInstanceOf(Date);
  });

  it('round-trips any such value', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(unpack(pack(v))).toStrictEqual(v);
      }),
    );
  });

  it('round-trips a batch of objects of one shape and of many', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), fc.array(fc.record({ seq: fc.nat(), url: fc.webUrl(), retry: fc.boolean() }, { noNullPrototype: true }), { maxLength: 30 }), (mixed, same) => {
        expect(unpack(pack(mixed))).toStrictEqual(mixed);
        expect(unpack(pack(same))).toStrictEqual(same);
      }),
    );
  });

  it('throws on bytes that are not msgpack', () => {
    expect(() => unpack(new Uint8Array(0))).toThrow();
    expect(() => unpack(Uint8Array.of(0x92, 0x01))).toThrow(); // an array of 2 holding 1
  });
});

const jobs = pack([{ url: 'https://example.com/1' }, { url: 'https://example.com/2' }, { url: 'https://example.com/9' }]);

/** One message of each command; a command added to the protocol without one here fails to compile. */
const examples: { readonly [C in Command]: Extract<Message, { command: C }> } = {
  HELLO: { command: 'HELLO', version: PROTOCOL_VERSION, slave: 'host-a:3312:ab12', host: 'host-a', pid: 3312, threads: 8, concurrency: 4, capacity: 20_000, name: 'gpu-box', bundle: 'ab'.repeat(32), allowSkew: true },
  FETCH: { command: 'FETCH', version: PROTOCOL_VERSION },
  CODE: { command: 'CODE', sha256: '9f'.repeat(32), fn: 'handleJob', bundle: new TextEncoder().encode('export function handleJob(x) { return x; }\n') },
  CREDIT: { command: 'CREDIT', run: 'run-1', credit: 4000 },
  DONE: {
    command: 'DONE',
    run: 'run-1',
    seqs: [10, 2, 40, 1],
    failures: [{ index: 1, error: { message: 'no good', name: 'TypeError', stack: 'TypeError: no good\n    at handleJob' } }],
    results: [{ square: 100 }, undefined, [['words', new Map([['k', 10n]])]]],
    channeled: [2],
    returned: [41, 5],
    ms: 12.75,
    credit: 3,
  },
  PING: { command: 'PING', run: 'run-1' },
  BYE: { command: 'BYE', run: 'run-1', returned: [7, 3, 100, 1] },
  WELCOME: { command: 'WELCOME', run: 'run-1', jobTimeout: 30_000, lease: 60_000, wantResults: true },
  REJECT: { command: 'REJECT', reason: 'protocol version 1, expected 2', rehello: false },
  JOBS: { command: 'JOBS', run: 'run-1', seqs: [0, 2, 9, 1], attempts: [0, 3, 1], origins: [12, 40, 41], jobs },
  QUIT: { command: 'QUIT', run: 'run-1' },
  STATUS: { command: 'STATUS' },
  REPORT: {
    command: 'REPORT',
    run: 'run-1',
    module: '/srv/tasks/squares.ts',
    fn: 'getJobs',
    args: { n: '1000000', table: 'users' },
    state: '/srv/.taskmaster/squares-getJobs-1a2b.state.json',
    startedAt: 1_795_000_000_000,
    stopping: false,
    retryFailed: false,
    totals: { done: 41_000, failed: 2, total: 1_000_000, inFlight: 4000, buffered: 10_000, size: 10_000, retrying: 1, watermark: 40_990, rate: 5123.5, etaSeconds: 187.2, elapsedMs: 8000 },
    slaves: [
      { id: 'host-a:3312', host: 'host-a', pid: 3312, threads: 8, concurrency: 4, inFlight: 2000, done: 20_000, failed: 2, rate: 2500.25, lastSeenMs: 12 },
      { id: 'gpu-box', host: 'host-b', pid: 77, threads: 2, concurrency: 1, inFlight: 0, done: 21_000, failed: 0, rate: 0, lastSeenMs: 950.5, bundle: 'ab'.repeat(32) },
    ],
  },
};

const slaveCommands = ['HELLO', 'CREDIT', 'DONE', 'PING', 'BYE', 'STATUS', 'FETCH'] as const;
const masterCommands = ['WELCOME', 'REJECT', 'JOBS', 'QUIT', 'REPORT', 'CODE'] as const;

describe('encodeMessage and decoding', () => {
  it.each(slaveCommands)("round-trips a slave's %s through decodeSlaveMessage, and the master's decoder refuses it", (command) => {
    const frames = encodeMessage(examples[command]);
    expect(frames[0].toString()).toBe(command);
    expect(decodeSlaveMessage(frames)).toStrictEqual({ ok: true, message: examples[command] });
    expect(decodeMasterMessage(frames)).toEqual({ ok: false, reason: `unexpected command "${command}"` });
  });

  it.each(masterCommands)("round-trips a master's %s through decodeMasterMessage, and the slave's decoder refuses it", (command) => {
    const frames = encodeMessage(examples[command]);
    expect(frames[0].toString()).toBe(command);
    expect(decodeMasterMessage(frames)).toStrictEqual({ ok: true, message: examples[command] });
    expect(decodeSlaveMessage(frames)).toEqual({ ok: false, reason: `unexpected command "${command}"` });
  });

  it('round-trips the optional fields left out', () => {
    const { results: _results, channeled: _channeled, returned: _returned, ...done } = examples.DONE;
    const bare = { ...done, failures: [{ index: 0, error: { message: 'only a message' } }] };
    expect(decodeSlaveMessage(encodeMessage(bare))).toStrictEqual({ ok: true, message: bare });
    const { attempts: _attempts, origins: _origins, ...firstTries } = examples.JOBS;
    expect(decodeMasterMessage(encodeMessage(firstTries))).toStrictEqual({ ok: true, message: firstTries });
    const { name: _name, bundle: _bundle, allowSkew: _allowSkew, ...unnamed } = examples.HELLO;
    expect(decodeSlaveMessage(encodeMessage(unnamed))).toStrictEqual({ ok: true, message: unnamed });
    const unknownTotals = { ...examples.REPORT, totals: { ...examples.REPORT.totals, total: null, etaSeconds: null }, slaves: [] };
    expect(decodeMasterMessage(encodeMessage(unknownTotals))).toStrictEqual({ ok: true, message: unknownTotals });
  });

  it('carries a batch of jobs as one blob that unpacks to the jobs', () => {
    const batch = [{ id: 1, at: new Date(0) }, { id: 2, tags: new Set(['x']) }];
    const decoded = decodeMasterMessage(encodeMessage({ command: 'JOBS', run: 'r', seqs: [5, 2], jobs: pack(batch) }));
    if (!decoded.ok || decoded.message.command !== 'JOBS') throw new Error(`not decoded: ${JSON.stringify(decoded)}`);
    expect(unpack(decoded.message.jobs)).toStrictEqual(batch);
  });

  it('round-trips any JOBS and DONE', () => {
    const seqs = fc.uniqueArray(fc.nat(1_000_000), { minLength: 1, maxLength: 50 });
    const text = fc.string({ maxLength: 64 });
    fc.assert(
      fc.property(seqs, text, fc.array(value, { maxLength: 50 }), fc.nat(1_000), (list, run, items, attempt) => {
        const n = list.length;
        const message: Message = { command: 'JOBS', run, seqs: toRuns(list), attempts: list.map((_, i) => (i * attempt) % 7), jobs: pack(items.slice(0, n)) };
        expect(decodeMasterMessage(encodeMessage(message))).toStrictEqual({ ok: true, message });
      }),
    );
    fc.assert(
      fc.property(seqs, text, fc.array(value, { minLength: 50, maxLength: 50 }), fc.double({ min: 0, max: 1e9, noNaN: true }), fc.nat(10_000_000), (list, run, results, ms, credit) => {
        const n = list.length;
        const failures = list.flatMap((_, index) => (index % 3 === 1 ? [{ index, error: { message: `job ${index} failed`, name: 'Error' } }] : []));
        const message: Message = { command: 'DONE', run, seqs: toRuns(list), failures, results: results.slice(0, n), returned: toRuns([...list].reverse()), ms, credit };
        expect(decodeSlaveMessage(encodeMessage(message))).toStrictEqual({ ok: true, message });
      }),
    );
  });
});
