import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeMessage, pack, unpack } from '../../src/protocol/codec.js';
import { MAX_CONCURRENCY, PROTOCOL_VERSION, type Message } from '../../src/protocol/messages.js';
import { runsLength } from '../../src/protocol/seq-runs.js';
import { decodeMasterMessage, decodeSlaveMessage, MAX_BATCH, type Decoded } from '../../src/protocol/validate.js';

type Decoder = (frames: readonly Buffer[]) => Decoded<Message>;

/** A command frame and a packed payload, as a peer would send them. */
function frames(command: string, payload: unknown): Buffer[] {
  return [Buffer.from(command, 'latin1'), pack(payload)];
}

const toSlave = (command: string, payload: unknown): { decode: Decoder; frames: Buffer[] } => ({ decode: decodeMasterMessage, frames: frames(command, payload) });
const toMaster = (command: string, payload: unknown): { decode: Decoder; frames: Buffer[] } => ({ decode: decodeSlaveMessage, frames: frames(command, payload) });

// Valid payloads, each case below spoils one thing in one of them.
const hello = { version: PROTOCOL_VERSION, slave: 'host-a:3312:ab12', host: 'host-a', pid: 3312, threads: 8, concurrency: 4, capacity: 20_000 };
/** The HELLO above without one of its fields. */
function helloWithout(field: keyof typeof hello): Record<string, unknown> {
  const { [field]: _left, ...rest } = hello;
  return rest;
}
const done = { run: 'r', seqs: [10, 2], failures: [], ms: 1.5, credit: 0 };
const jobs = { run: 'r', seqs: [0, 3], jobs: pack([1, 2, 3]) };
const welcome = { run: 'r', jobTimeout: 0, lease: 60_000, wantResults: false };
const reject = { reason: 'no', rehello: true };
const code = { sha256: 'c0'.repeat(32), fn: 'handleJob', bundle: Buffer.from('export const handleJob = () => 1;') };
const failure = (index: number, error: unknown = { message: 'no good' }): unknown => ({ index, error });

/** Pairs `[start, 1]` enough to be one over the most runs a list may hold. */
const tooManyRuns = Array.from({ length: MAX_BATCH + 1 }, (_, i) => [2 * i, 1]).flat();

const cases: ReadonlyArray<{ readonly title: string; readonly decode: Decoder; readonly frames: readonly Buffer[]; readonly reason: RegExp }> = [
  // Frames
  { title: 'no frames', decode: decodeSlaveMessage, frames: [], reason: /^expected 2 frames, got 0$/ },
  { title: 'one frame', decode: decodeSlaveMessage, frames: [Buffer.from('PING')], reason: /^expected 2 frames, got 1$/ },
  { title: 'three frames', decode: decodeSlaveMessage, frames: [...frames('PING', { run: 'r' }), Buffer.alloc(1)], reason: /^expected 2 frames, got 3$/ },
  { title: 'an empty payload', decode: decodeSlaveMessage, frames: [Buffer.from('PING'), Buffer.alloc(0)], reason: /^payload is not valid msgpack$/ },
  { title: 'truncated msgpack', decode: decodeSlaveMessage, frames: [Buffer.from('PING'), Buffer.of(0x92, 0x01)], reason: /^payload is not valid msgpack$/ },
  { title: 'bytes after the payload', decode: decodeSlaveMessage, frames: [Buffer.from('PING'), Buffer.concat([pack({ run: 'r' }), Buffer.of(0x01)])], reason: /^payload is not valid msgpack$/ },
  // Commands
  { title: 'an unknown command', ...toMaster('NOPE', { run: 'r' }), reason: /^unexpected command "NOPE"$/ },
  { title: 'a command in lower case', ...toMaster('ping', { run: 'r' }), reason: /^unexpected command "ping"$/ },
  { title: 'an empty command', ...toMaster('', { run: 'r' }), reason: /^unexpected command ""$/ },
  { title: 'a command frame over 16 bytes', ...toMaster('PING'.repeat(5), { run: 'r' }), reason: /^command frame too long$/ },
  { title: "a master's JOBS sent to the master", ...toMaster('JOBS', jobs), reason: /^unexpected command "JOBS"$/ },
  { title: "a master's WELCOME sent to the master", ...toMaster('WELCOME', welcome), reason: /^unexpected command "WELCOME"$/ },
  { title: "a slave's HELLO sent to a slave", ...toSlave('HELLO', hello), reason: /^unexpected command "HELLO"$/ },
  { title: "a slave's DONE sent to a slave", ...toSlave('DONE', done), reason: /^unexpected command "DONE"$/ },
  // Payloads that are not plain objects
  { title: 'a Map payload instead of an object', ...toMaster('CREDIT', new Map<string, unknown>([['run', 'r'], ['credit', 1]])), reason: /^payload is not an object$/ },
  { title: 'an array payload', ...toMaster('CREDIT', ['r', 1]), reason: /^payload is not an object$/ },
  { title: 'a null payload', ...toMaster('PING', null), reason: /^payload is not an object$/ },
  { title: 'a string payload', ...toSlave('QUIT', 'r'), reason: /^payload is not an object$/ },
  { title: 'a Date payload', ...toSlave('QUIT', new Date(0)), reason: /^payload is not an object$/ },
  // Seq runs
  { title: 'odd-length seq runs', ...toSlave('JOBS', { ...jobs, seqs: [0, 2, 5] }), reason: /^seqs must be an array of \[start, count\] pairs$/ },
  { title: 'seqs that are not an array', ...toSlave('JOBS', { ...jobs, seqs: '0-3' }), reason: /^seqs must be an array of \[start, count\] pairs$/ },
  { title: 'a run of count 0', ...toMaster('DONE', { ...done, seqs: [10, 2, 20, 0] }), reason: /^seqs has a bad count$/ },
  { title: 'a negative count', ...toMaster('DONE', { ...done, seqs: [10, -2] }), reason: /^seqs has a bad count$/ },
  { title: 'a count given as a string', ...toSlave('JOBS', { ...jobs, seqs: [0, '3'] }), reason: /^seqs has a bad count$/ },
  { title: 'a negative seq', ...toSlave('JOBS', { ...jobs, seqs: [-1, 3] }), reason: /^seqs has a bad start seq$/ },
  { title: 'a fractional seq', ...toSlave('JOBS', { ...jobs, seqs: [1.5, 3] }), reason: /^seqs has a bad start seq$/ },
  { title: 'a seq past the safe integers', ...toSlave('JOBS', { ...jobs, seqs: [2 ** 53, 3] }), reason: /^seqs has a bad start seq$/ },
  { title: 'a seq as a bigint', ...toSlave('JOBS', { ...jobs, seqs: [0n, 3] }), reason: /^seqs has a bad start seq$/ },
  { title: 'a run that runs past the safe integers', ...toSlave('JOBS', { ...jobs, seqs: [Number.MAX_SAFE_INTEGER - 1, 3] }), reason: /^seqs has a bad count$/ },
  { title: 'a run over MAX_BATCH seqs', ...toSlave('JOBS', { ...jobs, seqs: [0, MAX_BATCH + 1] }), reason: new RegExp(`^seqs holds more than ${MAX_BATCH} seqs$`) },
  { title: 'runs that add up to over MAX_BATCH seqs', ...toMaster('DONE', { ...done, seqs: [0, 60_000, 100_000, 60_000] }), reason: new RegExp(`^seqs holds more than ${MAX_BATCH} seqs$`) },
  { title: 'over MAX_BATCH runs', ...toMaster('BYE', { run: 'r', returned: tooManyRuns }), reason: /^returned must be an array of \[start, count\] pairs$/ },
  { title: 'bad returned runs in a DONE', ...toMaster('DONE', { ...done, returned: [12] }), reason: /^returned must be an array of \[start, count\] pairs$/ },
  { title: 'a BYE without returned', ...toMaster('BYE', { run: 'r' }), reason: /^returned must be an array of \[start, count\] pairs$/ },
  // Lists over MAX_BATCH
  { title: 'over MAX_BATCH failures', ...toMaster('DONE', { ...done, failures: new Array(MAX_BATCH + 1).fill(failure(0)) }), reason: new RegExp(`^failures must be an array of at most ${MAX_BATCH} items$`) },
  { title: 'over MAX_BATCH attempts', ...toSlave('JOBS', { ...jobs, attempts: new Array(MAX_BATCH + 1).fill(0) }), reason: new RegExp(`^attempts must be an array of at most ${MAX_BATCH} items$`) },
  // Failures and results
  { title: 'a failure index past the seqs', ...toMaster('DONE', { ...done, failures: [failure(2)] }), reason: /^failure\.index must be an integer from 0 to 1$/ },
  { title: 'a negative failure index', ...toMaster('DONE', { ...done, failures: [failure(-1)] }), reason: /^failure\.index must be an integer from 0 to 1$/ },
  { title: 'a failure when no job ran', ...toMaster('DONE', { ...done, seqs: [], failures: [failure(0)] }), reason: /^failure\.index must be an integer from 0 to -1$/ },
  { title: 'a failure that is not an object', ...toMaster('DONE', { ...done, failures: [0] }), reason: /^failure is not an object$/ },
  { title: 'logLines without timings', ...toMaster('DONE', { ...done, logLines: Buffer.from('a\nb\n') }), reason: /^logLines needs timings$/ },
  { title: 'logLines of a line too few', ...toMaster('DONE', { ...done, timings: new Uint8Array(32), logLines: Buffer.from('a\n') }), reason: /^logLines must be a line per seq \(2\), each ending in a newline$/ },
  { title: 'logLines whose last line has no newline', ...toMaster('DONE', { ...done, timings: new Uint8Array(32), logLines: Buffer.from('a\nb\nc') }), reason: /^logLines must be a line per seq \(2\), each ending in a newline$/ },
  { title: 'logLines as a string', ...toMaster('DONE', { ...done, timings: new Uint8Array(32), logLines: 'a\nb\n' }), reason: /^logLines must be binary$/ },
  { title: 'a failure without a message', ...toMaster('DONE', { ...done, failures: [failure(0, { name: 'Error' })] }), reason: /^error\.message must be a string/ },
  { title: 'a failure whose error is a Map', ...toMaster('DONE', { ...done, failures: [failure(0, new Map([['message', 'x']]))] }), reason: /^error is not an object$/ },
  { title: 'fewer results than seqs', ...toMaster('DONE', { ...done, results: [1] }), reason: /^results must have one entry per seq \(2\), got 1$/ },
  { title: 'more results than seqs', ...toMaster('DONE', { ...done, results: [1, 2, 3] }), reason: /^results must have one entry per seq \(2\), got 3$/ },
  { title: 'results that are not an array', ...toMaster('DONE', { ...done, results: { 0: 1, 1: 2 } }), reason: /^results must be an array/ },
  // Channel output
  { title: 'channeled without results', ...toMaster('DONE', { ...done, channeled: [0] }), reason: /^channeled needs results$/ },
  { title: 'channeled that is not an array', ...toMaster('DONE', { ...done, results: [[], []], channeled: 0 }), reason: /^channeled must be an array/ },
  { title: 'a channeled index past the seqs', ...toMaster('DONE', { ...done, results: [[], []], channeled: [2] }), reason: /^channeled index must be an integer from 0 to 1$/ },
  { title: 'channeled indexes out of order', ...toMaster('DONE', { ...done, results: [[], []], channeled: [1, 0] }), reason: /^channeled index must be an integer from 2 to 1$/ },
  { title: 'a channeled index listed twice', ...toMaster('DONE', { ...done, results: [[], []], channeled: [0, 0] }), reason: /^channeled index must be an integer from 1 to 1$/ },
  { title: 'channel output that is not a list', ...toMaster('DONE', { ...done, results: [{ words: 1 }, 2], channeled: [0] }), reason: /^channel output must be an array/ },
  { title: 'channel output that is not pairs', ...toMaster('DONE', { ...done, results: [[['words', 1, 2]], 2], channeled: [0] }), reason: /^channel output must be \[name, data\] pairs$/ },
  { title: 'a channel name with a path in it', ...toMaster('DONE', { ...done, results: [[['../../etc/passwd', 1]], 2], channeled: [0] }), reason: /^channel output: channel name "\.\.\/\.\.\/etc\/passwd" is not allowed$/ },
  { title: 'a channel name with ..', ...toMaster('DONE', { ...done, results: [[['a..b', 1]], 2], channeled: [0] }), reason: /^channel output: channel name "a\.\.b" is not allowed$/ },
  { title: 'an empty channel name', ...toMaster('DONE', { ...done, results: [[['', 1]], 2], channeled: [0] }), reason: /^channel output: a channel name must not be empty$/ },
  { title: 'a channel name that is a number', ...toMaster('DONE', { ...done, results: [[[7, 1]], 2], channeled: [0] }), reason: /^channel output: a channel name must be a string, got number$/ },
  { title: 'a channel name of control bytes, quoted escaped and cut short', ...toMaster('DONE', { ...done, results: [[['\u0000\n'.repeat(500), 1]], 2], channeled: [0] }), reason: /^channel output: channel name "(\\x00\\x0a){50}" is not allowed$/ },
  { title: 'a channel name over 100 characters', ...toMaster('DONE', { ...done, results: [[['w'.repeat(101), 1]], 2], channeled: [0] }), reason: /^channel output: channel name "w{100}" is not allowed$/ },
  // Jobs and attempts
  { title: 'jobs as an array, not binary', ...toSlave('JOBS', { ...jobs, jobs: [1, 2, 3] }), reason: /^jobs must be binary$/ },
  { title: 'jobs as a string', ...toSlave('JOBS', { ...jobs, jobs: 'AQID' }), reason: /^jobs must be binary$/ },
  { title: 'a JOBS without jobs', ...toSlave('JOBS', { run: 'r', seqs: [0, 3] }), reason: /^jobs must be binary$/ },
  { title: 'fewer attempts than seqs', ...toSlave('JOBS', { ...jobs, attempts: [0, 0] }), reason: /^attempts must have one entry per seq \(3\), got 2$/ },
  { title: 'a negative attempt', ...toSlave('JOBS', { ...jobs, attempts: [0, -1, 0] }), reason: /^attempt must be an integer from 0 to 1000000$/ },
  { title: 'a fractional attempt', ...toSlave('JOBS', { ...jobs, attempts: [0, 0.5, 0] }), reason: /^attempt must be an integer/ },
  { title: 'origins not one per seq', ...toSlave('JOBS', { ...jobs, origins: [7, 8] }), reason: /^origins must have one entry per seq \(3\), got 2$/ },
  { title: 'a negative origin', ...toSlave('JOBS', { ...jobs, origins: [7, -1, 9] }), reason: /^origin must be an integer from 0 to / },
  // Text fields too long, or not text
  { title: 'a run id over 64 characters', ...toMaster('PING', { run: 'r'.repeat(65) }), reason: /^run must be a string of at most 64 characters$/ },
  { title: 'a missing run id', ...toMaster('PING', {}), reason: /^run must be a string/ },
  { title: 'a run id that is a number', ...toSlave('QUIT', { run: 7 }), reason: /^run must be a string/ },
  { title: 'a slave name over 256 characters', ...toMaster('HELLO', { ...hello, slave: 's'.repeat(257) }), reason: /^slave must be a string of at most 256 characters$/ },
  { title: 'a host over 256 characters', ...toMaster('HELLO', { ...hello, host: 'h'.repeat(257) }), reason: /^host must be a string of at most 256 characters$/ },
  { title: 'a reject reason over 1024 characters', ...toSlave('REJECT', { ...reject, reason: 'x'.repeat(1025) }), reason: /^reason must be a string of at most 1024 characters$/ },
  { title: 'an error message over 64 KiB', ...toMaster('DONE', { ...done, failures: [failure(0, { message: 'm'.repeat(64 * 1024 + 1) })] }), reason: /^error\.message must be a string of at most 65536 characters$/ },
  { title: 'an error name over 256 characters', ...toMaster('DONE', { ...done, failures: [failure(0, { message: 'm', name: 'N'.repeat(257) })] }), reason: /^error\.name must be a string of at most 256 characters$/ },
  { title: 'an error stack over 64 KiB', ...toMaster('DONE', { ...done, failures: [failure(0, { message: 'm', stack: 's'.repeat(64 * 1024 + 1) })] }), reason: /^error\.stack must be a string of at most 65536 characters$/ },
  // Numbers and flags
  { title: 'ms that is NaN', ...toMaster('DONE', { ...done, ms: Number.NaN }), reason: /^ms must be a finite number >= 0$/ },
  { title: 'ms that is infinite', ...toMaster('DONE', { ...done, ms: Number.POSITIVE_INFINITY }), reason: /^ms must be a finite number >= 0$/ },
  { title: 'negative ms', ...toMaster('DONE', { ...done, ms: -1 }), reason: /^ms must be a finite number >= 0$/ },
  { title: 'credit over the most any slave may grant', ...toMaster('CREDIT', { run: 'r', credit: 10_000_001 }), reason: /^credit must be an integer from 0 to 10000000$/ },
  { title: 'negative credit', ...toMaster('DONE', { ...done, credit: -1 }), reason: /^credit must be an integer from 0 to 10000000$/ },
  { title: 'zero threads', ...toMaster('HELLO', { ...hello, threads: 0 }), reason: /^threads must be an integer from 1 to 4096$/ },
  { title: 'a HELLO without concurrency', ...toMaster('HELLO', helloWithout('concurrency')), reason: new RegExp(`^concurrency must be an integer from 1 to ${MAX_CONCURRENCY}$`) },
  { title: 'zero concurrency', ...toMaster('HELLO', { ...hello, concurrency: 0 }), reason: new RegExp(`^concurrency must be an integer from 1 to ${MAX_CONCURRENCY}$`) },
  { title: 'a fractional concurrency', ...toMaster('HELLO', { ...hello, concurrency: 1.5 }), reason: /^concurrency must be an integer/ },
  { title: 'a concurrency given as a string', ...toMaster('HELLO', { ...hello, concurrency: '4' }), reason: /^concurrency must be an integer/ },
  { title: 'concurrency over the most a thread may run', ...toMaster('HELLO', { ...hello, concurrency: MAX_CONCURRENCY + 1 }), reason: new RegExp(`^concurrency must be an integer from 1 to ${MAX_CONCURRENCY}$`) },
  { title: 'zero capacity', ...toMaster('HELLO', { ...hello, capacity: 0 }), reason: /^capacity must be an integer from 1/ },
  { title: 'a fractional pid', ...toMaster('HELLO', { ...hello, pid: 1.5 }), reason: /^pid must be an integer/ },
  { title: 'a negative version', ...toMaster('HELLO', { ...hello, version: -1 }), reason: /^version must be an integer/ },
  // Code shipping: HELLO's bundle and allowSkew, FETCH, CODE
  { title: 'a bundle hash that is not hex', ...toMaster('HELLO', { ...hello, bundle: 'zz'.repeat(32) }), reason: /^bundle must be a sha256 as 64 lowercase hex digits$/ },
  { title: 'a bundle hash one digit short', ...toMaster('HELLO', { ...hello, bundle: 'a'.repeat(63) }), reason: /^bundle must be a sha256/ },
  { title: 'a bundle hash in upper case', ...toMaster('HELLO', { ...hello, bundle: 'A'.repeat(64) }), reason: /^bundle must be a sha256/ },
  { title: 'a bundle hash as bytes', ...toMaster('HELLO', { ...hello, bundle: Buffer.alloc(32) }), reason: /^bundle must be a sha256/ },
  { title: 'an allowSkew that is not a boolean', ...toMaster('HELLO', { ...hello, allowSkew: 'yes' }), reason: /^allowSkew must be a boolean$/ },
  { title: 'a FETCH without a version', ...toMaster('FETCH', {}), reason: /^version must be an integer/ },
  { title: 'a FETCH with a fractional version', ...toMaster('FETCH', { version: 4.5 }), reason: /^version must be an integer/ },
  { title: "a master's CODE sent to the master", ...toMaster('CODE', code), reason: /^unexpected command "CODE"$/ },
  { title: "a slave's FETCH sent to a slave", ...toSlave('FETCH', { version: PROTOCOL_VERSION }), reason: /^unexpected command "FETCH"$/ },
  { title: 'a CODE whose bundle is text', ...toSlave('CODE', { ...code, bundle: 'export const handleJob = () => 1;' }), reason: /^bundle must be binary$/ },
  { title: 'a CODE without a bundle', ...toSlave('CODE', { sha256: code.sha256, fn: code.fn }), reason: /^bundle must be binary$/ },
  { title: 'a CODE whose sha256 is short', ...toSlave('CODE', { ...code, sha256: 'ab' }), reason: /^sha256 must be a sha256 as 64 lowercase hex digits$/ },
  { title: 'a CODE whose fn is not an identifier', ...toSlave('CODE', { ...code, fn: 'handle-job' }), reason: /^fn must be a JavaScript identifier$/ },
  { title: 'a CODE whose fn has a control character', ...toSlave('CODE', { ...code, fn: 'handle\x1b[2J' }), reason: /^fn must not contain control characters$/ },
  { title: 'a CODE whose fn is a number', ...toSlave('CODE', { ...code, fn: 1 }), reason: /^fn must be a string/ },
  { title: 'a lease of 0', ...toSlave('WELCOME', { ...welcome, lease: 0 }), reason: /^lease must be an integer from 1/ },
  { title: 'a negative job timeout', ...toSlave('WELCOME', { ...welcome, jobTimeout: -1 }), reason: /^jobTimeout must be an integer from 0/ },
  { title: "wantResults that is neither a boolean nor 'json'", ...toSlave('WELCOME', { ...welcome, wantResults: 'yes' }), reason: /^wantResults must be a boolean$/ },
  { title: 'rehello that is 1, not true', ...toSlave('REJECT', { ...reject, rehello: 1 }), reason: /^rehello must be a boolean$/ },
];

/** Whether a property named `polluted` has reached every object. */
function polluted(): boolean {
  return Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted') || ({} as { polluted?: unknown }).polluted !== undefined;
}

describe('decodeSlaveMessage and decodeMasterMessage', () => {
  it('accept the payloads the cases below spoil', () => {
    for (const [decode, command, payload] of [
      [decodeSlaveMessage, 'HELLO', hello],
      [decodeSlaveMessage, 'DONE', done],
      [decodeSlaveMessage, 'DONE', { ...done, failures: [failure(1, { message: 'm', name: 'Error', stack: 's' })], results: [1, 2], returned: [12, 1] }],
      [decodeSlaveMessage, 'DONE', { ...done, results: [[['words', 'a'], ['w.2_x-y', { n: 1 }]], 2], channeled: [0] }],
      [decodeSlaveMessage, 'BYE', { run: 'r', returned: [] }],
      [decodeMasterMessage, 'JOBS', jobs],
      [decodeMasterMessage, 'JOBS', { ...jobs, attempts: [0, 1_000_000, 2] }],
      [decodeMasterMessage, 'WELCOME', welcome],
      [decodeMasterMessage, 'WELCOME', { ...welcome, wantResults: 'json' }],
      [decodeMasterMessage, 'REJECT', reject],
      [decodeSlaveMessage, 'HELLO', { ...hello, bundle: 'c0'.repeat(32), allowSkew: false }],
      [decodeSlaveMessage, 'FETCH', { version: PROTOCOL_VERSION }],
      [decodeMasterMessage, 'CODE', code],
      [decodeMasterMessage, 'CODE', { ...code, fn: 'migré_$1' }],
    ] as const) {
      expect(decode(frames(command, payload))).toMatchObject({ ok: true, message: { command } });
    }
    // The largest batch passes.
    expect(decodeMasterMessage(frames('JOBS', { ...jobs, seqs: [Number.MAX_SAFE_INTEGER - MAX_BATCH, MAX_BATCH] }))).toMatchObject({ ok: true });
  });

  it('reads a HELLO of another version only as far as the fields of version 2, for the master to refuse it by version', () => {
    const old = { ...helloWithout('concurrency'), version: 2 };
    expect(decodeSlaveMessage(frames('HELLO', old))).toEqual({ ok: true, message: { command: 'HELLO', ...old, concurrency: 1 } });
    // The fields version 2 had are still checked.
    expect(decodeSlaveMessage(frames('HELLO', { ...old, threads: 0 }))).toEqual({ ok: false, reason: 'threads must be an integer from 1 to 4096' });
    // Nor the fields of this version only: a bundle of version 2 is not read (nor refused).
    expect(decodeSlaveMessage(frames('HELLO', { ...old, bundle: 'not a hash', allowSkew: 1 }))).toEqual({ ok: true, message: { command: 'HELLO', ...old, concurrency: 1 } });
  });

  it.each(cases)('rejects $title with a reason, without throwing', ({ decode, frames, reason }) => {
    expect(decode(frames)).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('refuses, rather than throws on, frames that are not buffers at all', () => {
    const decode = (frames: unknown[]): Decoded<Message> => decodeSlaveMessage(frames as Buffer[]);
    expect(decode([null, null])).toEqual({ ok: false, reason: expect.stringMatching(/^undecodable message: /) });
    expect(decode([Buffer.from('PING'), { length: 1 }])).toEqual({ ok: false, reason: expect.stringMatching(/\S/) });
  });

  it('keeps only the fields of the command, so a peer cannot smuggle others through', () => {
    expect(decodeSlaveMessage(frames('CREDIT', { run: 'r', credit: 5, command: 'DONE', extra: { a: 1 } }))).toStrictEqual({
      ok: true,
      message: { command: 'CREDIT', run: 'r', credit: 5 },
    });
  });
});

describe('a __proto__ key', () => {
  it('does not reach Object.prototype, at the top of a payload or nested in a result', () => {
    const payload = JSON.parse('{"run": "r", "credit": 1, "__proto__": {"polluted": true}}') as object;
    expect(Object.keys(payload)).toContain('__proto__'); // an own key, as a hostile peer would send it
    expect(decodeSlaveMessage(frames('CREDIT', payload))).toStrictEqual({ ok: true, message: { command: 'CREDIT', run: 'r', credit: 1 } });
    expect(polluted()).toBe(false);

    const result = JSON.parse('{"__proto__": {"polluted": true}, "value": 1}') as unknown;
    const decoded = decodeSlaveMessage(frames('DONE', { ...done, results: [result, result] }));
    if (!decoded.ok || decoded.message.command !== 'DONE') throw new Error(`not decoded: ${JSON.stringify(decoded)}`);
    for (const r of decoded.message.results ?? []) expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(polluted()).toBe(false);
  });

  it('cannot give an object a prototype that supplies a missing field', () => {
    const error = JSON.parse('{"__proto__": {"message": "inherited"}}') as unknown;
    expect(decodeSlaveMessage(frames('DONE', { ...done, failures: [failure(0, error)] }))).toEqual({ ok: false, reason: expect.stringMatching(/^error\.message must be a string/) });
    const hostile = JSON.parse('{"__proto__": {"run": "r", "credit": 3}}') as unknown;
    expect(decodeSlaveMessage(frames('CREDIT', hostile))).toEqual({ ok: false, reason: expect.stringMatching(/^run must be a string/) });
  });

  it('in a plain msgpack map (not a record) is refused with the map', () => {
    const plain = new Packr({ useRecords: false });
    const payload = plain.pack(JSON.parse('{"run": "r", "credit": 1, "__proto__": {"polluted": true}}'));
    expect(decodeSlaveMessage([Buffer.from('CREDIT'), payload])).toEqual({ ok: false, reason: 'payload is not an object' });
    expect(polluted()).toBe(false);
  });
});

const SLAVE = new Set(['HELLO', 'CREDIT', 'DONE', 'PING', 'BYE', 'FETCH']);
const MASTER = new Set(['WELCOME', 'REJECT', 'JOBS', 'QUIT', 'CODE']);

/** The fields each command carries, optional ones included. */
const FIELDS: Record<string, readonly string[]> = {
  HELLO: ['command', 'version', 'slave', 'host', 'pid', 'threads', 'concurrency', 'capacity', 'bundle', 'allowSkew'],
  FETCH: ['command', 'version'],
  CODE: ['command', 'sha256', 'fn', 'bundle'],
  CREDIT: ['command', 'run', 'credit'],
  DONE: ['command', 'run', 'seqs', 'failures', 'results', 'returned', 'ms', 'credit'],
  PING: ['command', 'run'],
  BYE: ['command', 'run', 'returned'],
  WELCOME: ['command', 'run', 'jobTimeout', 'lease', 'wantResults'],
  REJECT: ['command', 'reason', 'rehello'],
  JOBS: ['command', 'run', 'seqs', 'attempts', 'origins', 'jobs'],
  QUIT: ['command', 'run'],
};

const isCount = (v: unknown, min = 0): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
const isRuns = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length % 2 === 0 && v.every((n, i) => isCount(n, i % 2)) && runsLength(v as number[]) <= MAX_BATCH;

/** Checks, apart from the decoder, that a message it let through is what its type promises. */
function expectWellTyped(message: Message, commands: ReadonlySet<string>): void {
  expect(commands.has(message.command)).toBe(true);
  for (const key of Object.keys(message)) expect(FIELDS[message.command]).toContain(key);
  const m = message as unknown as Record<string, unknown>;
  if ('run' in m) expect(typeof m.run).toBe('string');
  if (message.command === 'DONE' || message.command === 'JOBS') expect(isRuns(message.seqs)).toBe(true);
  if (message.command === 'DONE' || message.command === 'BYE') expect(message.returned === undefined || isRuns(message.returned)).toBe(true);
  if (message.command === 'DONE') {
    const count = runsLength(message.seqs);
    for (const { index, error } of message.failures) {
      expect(isCount(index) && index < count).toBe(true);
      expect(typeof error.message).toBe('string');
    }
    if (message.results !== undefined) expect(message.results).toHaveLength(count);
    expect(Number.isFinite(message.ms) && message.ms >= 0).toBe(true);
    expect(isCount(message.credit)).toBe(true);
  }
  if (message.command === 'JOBS') {
    expect(message.jobs).toBeInstanceOf(Uint8Array);
    if (message.attempts !== undefined) expect(message.attempts).toHaveLength(runsLength(message.seqs));
  }
  if (message.command === 'CREDIT') expect(isCount(message.credit)).toBe(true);
  if (message.command === 'HELLO') for (const n of [message.version, message.pid, message.threads, message.concurrency, message.capacity]) expect(isCount(n)).toBe(true);
  if (message.command === 'WELCOME') expect(typeof message.wantResults).toBe('boolean');
  if (message.command === 'REJECT') expect(typeof message.reason === 'string' && typeof message.rehello === 'boolean').toBe(true);
  if (message.command === 'HELLO' && message.bundle !== undefined) expect(message.bundle).toMatch(/^[0-9a-f]{64}$/);
  if (message.command === 'FETCH') expect(isCount(message.version)).toBe(true);
  if (message.command === 'CODE') {
    expect(message.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(message.bundle).toBeInstanceOf(Uint8Array);
    expect(typeof message.fn).toBe('string');
  }
}

describe('decoding arbitrary frames', () => {
  const valid: Array<[Buffer, Buffer]> = [
    encodeMessage({ command: 'HELLO', ...hello }),
    encodeMessage({ command: 'HELLO', ...hello, bundle: 'c0'.repeat(32), allowSkew: true }),
    encodeMessage({ command: 'FETCH', version: PROTOCOL_VERSION }),
    encodeMessage({ command: 'CODE', ...code }),
    encodeMessage({ command: 'CREDIT', run: 'r', credit: 7 }),
    encodeMessage({ command: 'DONE', ...done, failures: [{ index: 1, error: { message: 'm', name: 'E' } }], results: [{ a: 1 }, 'b'], returned: [4, 2] }),
    encodeMessage({ command: 'PING', run: 'r' }),
    encodeMessage({ command: 'BYE', run: 'r', returned: [1, 2, 9, 1] }),
    encodeMessage({ command: 'WELCOME', ...welcome }),
    encodeMessage({ command: 'REJECT', ...reject }),
    encodeMessage({ command: 'JOBS', ...jobs, attempts: [0, 1, 2] }),
    encodeMessage({ command: 'JOBS', ...jobs, origins: [40, 7, 2] }),
    encodeMessage({ command: 'QUIT', run: 'r' }),
  ];
  const commands = [...SLAVE, ...MASTER];
  const field = fc.oneof(
    fc.integer({ min: -2, max: 20 }),
    fc.double(),
    fc.string({ maxLength: 80 }),
    fc.boolean(),
    fc.constant(null),
    fc.bigInt({ min: -5n, max: 5n }),
    fc.uint8Array({ maxLength: 8 }),
    fc.array(fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constantFrom(MAX_BATCH, 2 ** 53, 0.5)), { maxLength: 6 }),
    fc.array(fc.record({ index: fc.integer({ min: -1, max: 4 }), error: fc.oneof(fc.record({ message: fc.string() }), fc.string(), fc.constant(null)) }), { maxLength: 3 }),
    fc.array(fc.anything(), { maxLength: 4 }),
  );
  const names = Object.values(FIELDS).flat();
  const commandFrame = fc.oneof(fc.constantFrom(...commands, 'NOPE', ''), fc.string({ maxLength: 20 })).map((c) => Buffer.from(c, 'latin1'));
  // Spoils a valid payload: one byte changed, or the tail cut off.
  const spoiled = fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.nat(255), fc.boolean()).map(([[command, payload], at, byte, cut]) => {
    const bytes = Buffer.from(payload);
    const i = at % bytes.length;
    if (cut) return [command, bytes.subarray(0, i)];
    bytes[i] = byte;
    return [command, bytes];
  });
  const structured = fc.tuple(commandFrame, fc.dictionary(fc.constantFrom(...names), field, { maxKeys: 8 })).map(([command, payload]) => [command, pack(payload)]);
  // A valid payload with one field replaced by any value, or dropped.
  const tweaked = fc.tuple(fc.constantFrom(...valid), fc.constantFrom(...names), fc.option(field, { nil: undefined })).map(([[command, payload], name, value]) => {
    const fields = { ...(unpack(payload) as Record<string, unknown>) };
    if (value === undefined) delete fields[name];
    else fields[name] = value;
    return [command, pack(fields)];
  });
  const random = fc.array(fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)), { maxLength: 3 });
  const anyFrames = fc.oneof(spoiled, structured, tweaked, fc.tuple(commandFrame, fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes))), random);

  it('never throws, and returns a reason or a well-typed message', () => {
    for (const [decode, side] of [
      [decodeSlaveMessage, SLAVE],
      [decodeMasterMessage, MASTER],
    ] as const) {
      fc.assert(
        fc.property(anyFrames, (input) => {
          const decoded = (decode as Decoder)(input);
          if (decoded.ok) expectWellTyped(decoded.message, side);
          else expect(decoded.reason).toMatch(/\S/);
        }),
        { numRuns: 2_000 },
      );
    }
    expect(polluted()).toBe(false);
  });
});
