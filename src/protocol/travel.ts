/**
 * Whether a value can travel as a job or a result. msgpack, the wire's encoding, drops functions
 * without a word (they arrive as undefined), turns class instances into plain objects (their
 * methods gone), throws on symbols and recurses for ever on a cycle. So a value is checked where
 * it is made, and refused by its seq with the reason, as `structuredClone` refuses with a
 * DataCloneError, rather than arriving changed or failing later somewhere else.
 */
import { instanceOf, valueCheck, type Container, type Fault } from './value-walk.js';

/** Prototypes of leaf objects msgpack carries as they are (moreTypes; Errors and binary below). */
const CARRIED: ReadonlySet<object> = new Set([Date.prototype, RegExp.prototype]);

const FUNCTION: Fault = { what: 'a function', why: 'which would arrive as undefined' };
const SYMBOL: Fault = { what: 'a symbol', why: 'which msgpack cannot encode' };

/**
 * Why `value` cannot travel, naming where in it the problem is (`a function at .user.save`), or
 * undefined when it can. Numbers, strings, booleans, bigints, null and undefined always can.
 */
export function whyCannotTravel(value: unknown): string | undefined {
  if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') return undefined;
  return travelCheck(value);
}

/** What msgpack carries as it is (undefined), looks inside (a container), or changes or cannot encode (a fault). */
function lookForTravel(value: unknown): Fault | Container | undefined {
  switch (typeof value) {
    case 'function':
      return FUNCTION;
    case 'symbol':
      return SYMBOL;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  // Plain objects and arrays first: they are nearly every job.
  if (proto === Object.prototype || proto === null) return 'object';
  if (proto === Array.prototype) return 'array';
  if (value instanceof Map) return 'map';
  if (value instanceof Set) return 'set';
  if (CARRIED.has(proto as object) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Error) return undefined;
  return { what: instanceOf(proto), why: 'which would arrive as a plain object without its methods' };
}

const travelCheck = valueCheck(lookForTravel, 'msgpack');
