/**
 * One walk over a structured value for the checks that refuse what would not arrive (or come
 * back) as it was: the travel check of jobs and results, and the cursor check of the state.
 *
 * No depth lets a value through unlooked at. The first SHALLOW levels are walked by recursion
 * (no allocation: nearly every job ends there); below them the walk keeps its own stack, not the
 * call stack. Past MAX_DEPTH a value is refused outright: msgpack, which recurses, fails on it
 * (measured on a main thread's stack: Sets past ~700 levels, objects past ~1,200). A cycle is
 * found on the path: the shallow ancestors compared one by one, the deeper ones kept in a Set.
 */

/** What is wrong with a value, and what its encoding would do with it. */
export interface Fault {
  readonly what: string;
  readonly why: string;
}

/** The containers a walk looks inside: a plain object's own values, an array's items, a Map's keys and values, a Set's entries. */
export type Container = 'object' | 'array' | 'map' | 'set';

/** How a check reads one value: what is wrong with it, the kind of container to look into, or undefined when it is fine as it is. */
export type Look = (value: unknown) => Fault | Container | undefined;

/** Levels of nesting past which a value is refused: deeper than any job should be, within what msgpack encodes. */
export const MAX_DEPTH = 500;

/** Levels walked by recursion, whose containers are compared one by one for a cycle. */
const SHALLOW = 32;
/** Path segments shown at the most: a too-deep value is found far down. */
const SHOWN = 8;

/** A fault and the path to it, built leaf first as the walk unwinds (no string work while all is well). */
interface Found {
  readonly fault: Fault;
  readonly path: string[];
}

/**
 * A check made of `look`: a function that says why a value fails it, naming where in it (`a
 * function at .user.save, which …`), or undefined when every value in it passes. `encoding`
 * names what a cycle or too deep a value would break, in the reason.
 */
export function valueCheck(look: Look, encoding: 'msgpack' | 'JSON'): (value: unknown) => string | undefined {
  const walk: Walk = {
    look,
    cycle: { what: 'a reference to itself', why: `which ${encoding} cannot encode` },
    tooDeep: { what: `a value nested deeper than ${MAX_DEPTH} levels`, why: `past what ${encoding} can be trusted with (it recurses)` },
  };
  return (value) => {
    const kind = look(value);
    if (kind === undefined) return undefined;
    const found = typeof kind === 'object' ? { fault: kind, path: [] } : inside(value as object, kind, walk, [value as object]);
    if (found === undefined) return undefined;
    const segments = found.path.reverse();
    const path = segments.slice(0, SHOWN).join('') + (segments.length > SHOWN ? '…' : '');
    return `${found.fault.what}${path === '' ? '' : ` at ${path}`}, ${found.fault.why}`;
  };
}

/** The first fault inside `container`, whose path from the root is `ancestors` (itself last). */
function inside(container: object, kind: Container, walk: Walk, ancestors: object[]): Found | undefined {
  if (kind === 'object') {
    for (const key in container) {
      const found = at((container as Record<string, unknown>)[key], walk, ancestors);
      if (found !== undefined) return within(found, `.${key}`);
    }
    return undefined;
  }
  if (kind === 'array') {
    const array = container as unknown[];
    for (let i = 0; i < array.length; i++) {
      const found = at(array[i], walk, ancestors);
      if (found !== undefined) return within(found, `[${i}]`);
    }
    return undefined;
  }
  const items = itemsOf(container, kind);
  for (let i = 0; i < items.length; i++) {
    const found = at(items[i], walk, ancestors);
    if (found !== undefined) return within(found, segment(kind, items, i));
  }
  return undefined;
}

/** The first fault at or in `value`, a child of the last of `ancestors`. */
function at(value: unknown, walk: Walk, ancestors: object[]): Found | undefined {
  const kind = walk.look(value);
  if (kind === undefined) return undefined;
  if (typeof kind === 'object') return { fault: kind, path: [] };
  const container = value as object;
  if (ancestors.includes(container)) return { fault: walk.cycle, path: [] };
  ancestors.push(container);
  const found = ancestors.length < SHALLOW ? inside(container, kind, walk, ancestors) : deepInside(container, kind, walk, ancestors);
  ancestors.pop();
  return found;
}

/** A check's `look`, and what the walk itself refuses, named for the check's encoding. */
interface Walk {
  readonly look: Look;
  readonly cycle: Fault;
  readonly tooDeep: Fault;
}

interface Frame {
  readonly value: object;
  readonly kind: Container;
  /** What is looked at in turn: an object's values, an array itself, a Map's keys and values interleaved, a Set's entries. */
  readonly items: ArrayLike<unknown>;
  /** The next item to look at. */
  index: number;
}

/** `inside`, for a container SHALLOW levels down: with a stack of its own, to any depth. */
function deepInside(root: object, kind: Container, walk: Walk, ancestors: readonly object[]): Found | undefined {
  const frames: Frame[] = [{ value: root, kind, items: itemsOf(root, kind), index: 0 }];
  const deeper = new Set<object>([root]);
  while (frames.length > 0) {
    const top = frames[frames.length - 1]!;
    if (top.index === top.items.length) {
      deeper.delete(frames.pop()!.value);
      continue;
    }
    const child = top.items[top.index++];
    const verdict = walk.look(child);
    if (verdict === undefined) continue;
    if (typeof verdict === 'object') return foundAt(verdict, frames);
    if (deeper.has(child as object) || ancestors.includes(child as object)) return foundAt(walk.cycle, frames);
    // The root is both the last ancestor and the first frame: this child makes `ancestors + frames` levels.
    if (ancestors.length + frames.length > MAX_DEPTH) return foundAt(walk.tooDeep, frames);
    deeper.add(child as object);
    frames.push({ value: child as object, kind: verdict, items: itemsOf(child as object, verdict), index: 0 });
  }
  return undefined;
}

/** How a class instance is named in a reason: `an instance of Account`. */
export function instanceOf(proto: unknown): string {
  const name = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return `an instance of ${typeof name === 'string' && name !== '' ? name : 'a class'}`;
}

function foundAt(fault: Fault, frames: readonly Frame[]): Found {
  return { fault, path: frames.map(({ kind, value, items, index }) => segment(kind, items, index - 1, value)).reverse() };
}

function itemsOf(container: object, kind: Container): ArrayLike<unknown> {
  if (kind === 'object') return Object.values(container);
  if (kind === 'array') return container as unknown[];
  return kind === 'map' ? [...(container as Map<unknown, unknown>)].flat(1) : [...(container as Set<unknown>)];
}

/** How item `i` of a container is named in a path; `value` is needed for an object's key. */
function segment(kind: Container, items: ArrayLike<unknown>, i: number, value?: object): string {
  switch (kind) {
    case 'object':
      return `.${Object.keys(value!)[i]!}`;
    case 'array':
      return `[${i}]`;
    case 'map': {
      const key = items[i - (i % 2)];
      return `.get(${typeof key === 'string' ? JSON.stringify(key) : String(key)})`;
    }
    case 'set':
      return '<set entry>';
  }
}

function within(found: Found, segment: string): Found {
  found.path.push(segment);
  return found;
}
