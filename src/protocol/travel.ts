/**
 * Whether a value can travel as a job or a result. msgpack, the wire's encoding, drops functions
 * without a word (they arrive as undefined), turns class instances into plain objects (their
 * methods gone), throws on symbols and recurses for ever on a cycle. So a value is checked where
 * it is made, and refused by its seq with the reason, as `structuredClone` refuses with a
 * DataCloneError, rather than arriving changed or failing later somewhere else.
 */

/** Prototypes of leaf objects msgpack carries as they are (moreTypes; Errors and binary below). */
const CARRIED: ReadonlySet<object> = new Set([Date.prototype, RegExp.prototype]);

/** Nesting past which a value is searched for a cycle: deeper than any job should be, and cheap to reach. */
const DEEP = 100;

/** What is wrong, and the path to it, built leaf first as the walk unwinds (no string work while all is well). */
interface Problem {
  /** What it is, and what msgpack would do with it. */
  readonly what: string;
  readonly why: string;
  readonly path: string[];
}

/** Path segments shown at the most: a cycle is found deep down, after many turns of it. */
const SHOWN = 8;

/**
 * Why `value` cannot travel, naming where in it the problem is (`a function at .user.save`), or
 * undefined when it can. Numbers, strings, booleans, bigints, null and undefined always can.
 */
export function whyCannotTravel(value: unknown): string | undefined {
  if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') return undefined;
  const problem = problemIn(value, 0);
  if (problem === undefined) return undefined;
  const segments = problem.path.reverse();
  const path = segments.slice(0, SHOWN).join('') + (segments.length > SHOWN ? '…' : '');
  return `${problem.what}${path === '' ? '' : ` at ${path}`}, ${problem.why}`;
}

function problemIn(value: unknown, depth: number): Problem | undefined {
  switch (typeof value) {
    case 'function':
      return { what: 'a function', why: 'which would arrive as undefined', path: [] };
    case 'symbol':
      return { what: 'a symbol', why: 'which msgpack cannot encode', path: [] };
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return undefined;
  if (depth === DEEP && refersToItself(value)) return { what: 'a reference to itself', why: 'which msgpack cannot encode', path: [] };
  if (depth > DEEP) return undefined; // checked for a cycle at DEEP: what is below is merely deep
  const below = depth + 1;
  const proto: unknown = Object.getPrototypeOf(value);
  // Plain objects and arrays first: they are nearly every job.
  if (proto === Object.prototype || proto === null) {
    for (const key in value) {
      const problem = problemIn((value as Record<string, unknown>)[key], below);
      if (problem !== undefined) return within(problem, `.${key}`);
    }
    return undefined;
  }
  if (proto === Array.prototype) {
    const array = value as unknown[];
    for (let i = 0; i < array.length; i++) {
      const problem = problemIn(array[i], below);
      if (problem !== undefined) return within(problem, `[${i}]`);
    }
    return undefined;
  }
  if (value instanceof Map) {
    for (const [key, entry] of value) {
      const problem = problemIn(key, below) ?? problemIn(entry, below);
      if (problem !== undefined) return within(problem, `.get(${typeof key === 'string' ? JSON.stringify(key) : String(key)})`);
    }
    return undefined;
  }
  if (value instanceof Set) {
    for (const entry of value) {
      const problem = problemIn(entry, below);
      if (problem !== undefined) return within(problem, '<set entry>');
    }
    return undefined;
  }
  if (CARRIED.has(proto as object) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Error) return undefined;
  const name = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return { what: `an instance of ${typeof name === 'string' && name !== '' ? name : 'a class'}`, why: 'which would arrive as a plain object without its methods', path: [] };
}

function within(problem: Problem, segment: string): Problem {
  problem.path.push(segment);
  return problem;
}

/** Whether `root` can reach itself through the objects it holds. */
function refersToItself(root: object): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    for (const child of value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Object.values(value)) {
      if (child === root) return true;
      if (typeof child === 'object' && child !== null && !seen.has(child)) {
        seen.add(child);
        stack.push(child);
      }
    }
  }
  return false;
}
