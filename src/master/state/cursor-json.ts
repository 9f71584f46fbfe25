/**
 * Whether a `withCursor` key can be kept in the state. Cursors are written as JSON (the
 * completion log, the snapshot, the dead letters) and handed back to `getJobs` as `last` on a
 * resume, so a cursor must come back from JSON exactly as it went in: anything JSON changes
 * (NaN and ±Infinity become null, a Date a string, a Map `{}`, undefined goes or becomes null),
 * drops (a function, a symbol) or cannot write (a bigint, a cycle) would resume from the wrong
 * place without a word. A top-level undefined would even read as "no cursor".
 */
import { instanceOf, valueCheck, type Container, type Fault } from '../../protocol/value-walk.js';

const UNDEFINED: Fault = { what: 'undefined', why: 'which JSON leaves out (or writes as null in an array)' };
const BIGINT: Fault = { what: 'a bigint', why: 'which JSON cannot write (use its string)' };
const FUNCTION: Fault = { what: 'a function', why: 'which JSON leaves out' };
const SYMBOL: Fault = { what: 'a symbol', why: 'which JSON leaves out' };

/**
 * Why `cursor` cannot be kept in the state, naming where in it the problem is (`NaN at .after`),
 * or undefined when it can: strings, finite numbers, booleans, null, and arrays and plain
 * objects of them.
 */
export function whyCursorCannotBeKept(cursor: unknown): string | undefined {
  return cursorCheck(cursor);
}

/** What JSON brings back as it was (undefined), looks inside (a container), or changes (a fault). */
function lookForJson(value: unknown): Fault | Container | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { what: String(value), why: 'which JSON writes as null' };
    case 'undefined':
      return UNDEFINED;
    case 'bigint':
      return BIGINT;
    case 'function':
      return FUNCTION;
    case 'symbol':
      return SYMBOL;
    default:
      break;
  }
  if (value === null) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return 'object';
  if (proto === Array.prototype) return 'array';
  return { what: instanceOf(proto), why: 'which JSON does not bring back as it was' };
}

const cursorCheck = valueCheck(lookForJson, 'JSON');
