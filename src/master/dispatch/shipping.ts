/**
 * The master's side of code shipping (`--ship`): the answer to a FETCH, and the check at HELLO
 * that every slave of the run runs the code the master ships.
 */
import type { Logger } from '../../common/log.js';
import { PROTOCOL_VERSION, type Code, type Fetch, type Hello, type Reject } from '../../protocol/messages.js';

/** The handler a master ships, bundled (ship/bundle.ts). */
export interface ShippedCode {
  readonly code: Buffer;
  readonly sha256: string;
  /** The handler export the slaves run. */
  readonly fn: string;
}

export interface ShippingOptions {
  /** What the master ships; undefined: none, and a FETCH is refused saying so. */
  readonly shipped: ShippedCode | undefined;
  /** Whether a peer that reaches the socket may be given code: CURVE is on (it got past ZAP), or the bind is loopback only. */
  readonly trusted: boolean;
  /** Admit a slave whose code differs (`--allow-skew`), with a warning. @default false */
  readonly allowSkew?: boolean;
  readonly logger: Logger;
}

/** How code hashes are shown: the first 12 hex digits, as tm-status shows them. */
export function shortHash(sha256: string): string {
  return sha256.slice(0, 12);
}

export class Shipping {
  readonly #options: ShippingOptions;

  constructor(options: ShippingOptions) {
    this.#options = options;
  }

  /** The sha256 of the code shipped, if any. */
  get sha256(): string | undefined {
    return this.#options.shipped?.sha256;
  }

  /**
   * The answer to a FETCH from the peer `id` (any peer that reached the socket: with CURVE, past
   * ZAP; no HELLO needed, as for STATUS): the code, or a REJECT that says why not and what to do.
   */
  answer(fetch: Fetch, id: Buffer): Code | Reject {
    const { shipped, trusted } = this.#options;
    const refuse = (reason: string): Reject => ({ command: 'REJECT', reason, rehello: false });
    let answer: Code | Reject;
    if (fetch.version !== PROTOCOL_VERSION) answer = refuse(`protocol version ${fetch.version} is not ${PROTOCOL_VERSION}`);
    else if (shipped === undefined) answer = refuse('this master ships no code: start the master with --ship, or start the slave with its own module');
    // A slave refuses code from such a master too; the master does not hand it to whoever asks either.
    else if (!trusted) answer = refuse('this master ships code only over CURVE or on a loopback address: start it with --curve-secret, or start the slave with its own module');
    else answer = { command: 'CODE', sha256: shipped.sha256, fn: shipped.fn, bundle: shipped.code };
    this.#options.logger.debug(`FETCH from peer ${id.toString('hex').slice(0, 16)}: ${answer.command === 'CODE' ? `sent ${answer.bundle.length} bytes` : answer.reason}`);
    return answer;
  }

  /**
   * The REJECT for a slave whose HELLO says it runs other code than the master ships, or undefined
   * when it may join: it runs the code shipped, said none, or skew is allowed (said in a warning).
   */
  refusal(hello: Hello): Reject | undefined {
    const shipped = this.sha256;
    if (shipped === undefined || hello.bundle === undefined || hello.bundle === shipped) return undefined;
    const name = hello.name ?? `${hello.host}:${hello.pid}`;
    const theirs = `this slave runs code ${shortHash(hello.bundle)} but the master ships ${shortHash(shipped)}`;
    if (hello.allowSkew === true || this.#options.allowSkew === true) {
      this.#options.logger.limited('warn', `skew:${name}`, `slave ${name}: ${theirs} (admitted: --allow-skew)`);
      return undefined;
    }
    const reason = `${theirs}; update the slave's module, start it with no module to run the shipped code, or pass --allow-skew`;
    this.#options.logger.limited('warn', 'refused:skew', `refused slave ${name}: ${reason}`);
    return { command: 'REJECT', reason, rehello: false };
  }
}
