import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/processes.js';

const SRC = join(ROOT, 'src');

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sources(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Each file's relative imports within src/, `import type` and `export … from` included: a cycle of types is still a cycle of concepts. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = importedFiles
        .map(({ fileName }) => fileName)
        .filter((name) => name.startsWith('.'))
        .map((name) => resolve(dirname(file), name).replace(/\.js$/, '.ts'))
        .filter((target) => known.has(target));
      return [file, targets];
    }),
  );
}

/** The first import cycle found by a depth-first walk, as a list of files, or undefined. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    const at = path.indexOf(file);
    if (at >= 0) return [...path.slice(at), file];
    if (done.has(file)) return undefined;
    path.push(file);
    for (const target of graph.get(file) ?? []) {
      const cycle = visit(target);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(file);
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The layers of src/, lowest first: a file may import only from its own folder or a folder of a
 * lower rank. Folders of one rank (master and slave, say) never import each other.
 * docs/architecture.md's room table lists the folders in this order (checked below).
 */
export const LAYERS: ReadonlyArray<readonly string[]> = [
  ['common'],
  ['protocol'],
  ['task', 'curve'],
  ['sources', 'ship'],
  ['master', 'slave'],
  ['spawn', 'status', 'fleet'],
  ['run'],
  ['cli'],
  ['bin'],
  ['index.ts'],
];

const MASTER = join(SRC, 'master');

/**
 * The rooms of src/master/, lowest first, by the same rule inside master/ (imports from outside it
 * are LAYERS' business). master-options.ts is read by every room, so it sits low; the controls
 * need nothing of the rest; the run's core (jobs, dispatch) knows observers only through
 * jobs/run-observer.ts; master.ts, which holds them all, is the top.
 * docs/architecture.md lists these rooms under master/ in this order (checked below).
 */
export const MASTER_LAYERS: ReadonlyArray<readonly string[]> = [
  ['controls'],
  ['master-options.ts'],
  ['state'],
  ['results'],
  ['jobs'],
  ['dispatch'],
  ['plan'],
  ['end'],
  ['observe'],
  ['observe/http'],
  ['listen'],
  ['parts.ts'],
  ['master.ts'],
];

interface Ranked {
  readonly room: string;
  readonly rank: number;
}

/** The rank of the folder (or top-level file) `file` sits in, under src/. */
function rankOf(file: string): Ranked {
  const room = relative(SRC, file).split('/')[0]!;
  const rank = LAYERS.findIndex((rooms) => rooms.includes(room));
  return { room, rank };
}

/** The rank of the room of src/master/ `file` sits in: the most specific entry of MASTER_LAYERS that holds it. */
function masterRankOf(file: string): Ranked {
  const path = relative(MASTER, file);
  const holding = MASTER_LAYERS.flat().filter((room) => path === room || path.startsWith(`${room}/`));
  const room = holding.sort((a, b) => b.length - a.length)[0] ?? path.split('/')[0]!;
  return { room, rank: MASTER_LAYERS.findIndex((rooms) => rooms.includes(room)) };
}

/**
 * Every import between files under `base` that points up, or sideways into another room of the
 * same rank, as `from -> to` (paths under src/), by the ranks `rank` gives.
 */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>, rank: (file: string) => Ranked = rankOf, base = SRC): string[] {
  const inside = (file: string): boolean => file.startsWith(`${base}/`);
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    if (!inside(file)) continue;
    const from = rank(file);
    for (const target of targets.filter(inside)) {
      const to = rank(target);
      if (to.room !== from.room && to.rank >= from.rank) wrong.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
    }
  }
  return wrong;
}

/** The rooms a block of docs/architecture.md's room table lists, in its order: `pattern` picks them. */
function listedRooms(table: string, pattern: RegExp): string[] {
  return [...table.matchAll(pattern)].map((m) => m.slice(1).find((room) => room !== undefined)!);
}

describe('the architecture of src/', () => {
  const files = sources(SRC);

  it('has no import cycle, counting type-only imports', () => {
    const cycle = findCycle(importGraph(files));
    expect(cycle?.map((file) => relative(SRC, file)).join(' -> ')).toBeUndefined();
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', []],
    ]);
    expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b']], ['b', []]]))).toBeUndefined();
  });

  it('reads type-only imports as edges of the graph', () => {
    const graph = importGraph([join(SRC, 'master', 'jobs', 'recorder.ts'), join(SRC, 'master', 'jobs', 'retry-queue.ts')]);
    expect(graph.get(join(SRC, 'master', 'jobs', 'recorder.ts'))).toContain(join(SRC, 'master', 'jobs', 'retry-queue.ts'));
  });

  it('gives every room of src/ a layer, and keeps only index.ts at the top', () => {
    const unranked = files.map((file) => rankOf(file)).filter(({ rank }) => rank < 0).map(({ room }) => room);
    expect([...new Set(unranked)]).toEqual([]);
    expect(readdirSync(SRC).filter((name) => name.endsWith('.ts'))).toEqual(['index.ts']);
  });

  it('has no import that points up a layer, or across to a room of the same layer', () => {
    expect(upwardImports(importGraph(files))).toEqual([]);
  });

  it('finds an upward import when there is one (the check itself works)', () => {
    const at = (path: string): string => join(SRC, path);
    const graph = new Map([
      [at('common/log.ts'), [at('master/master.ts')]],
      [at('master/master.ts'), [at('common/log.ts'), at('slave/slave.ts')]],
      [at('bin/tm-run.ts'), [at('run/run.ts')]],
    ]);
    expect(upwardImports(graph)).toEqual(['common/log.ts -> master/master.ts', 'master/master.ts -> slave/slave.ts']);
  });

  it('lists the rooms in docs/architecture.md in the order of their layers', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## The rooms'), doc.indexOf('## ', doc.indexOf('## The rooms') + 3));
    const listed = listedRooms(table, /^([a-z][a-z.-]*(?:\.ts)?)\/?\s/gm).filter((room) => rankOf(join(SRC, room, 'x')).rank >= 0 || room === 'index.ts');
    const ranks = listed.map((room) => LAYERS.findIndex((rooms) => rooms.includes(room)));
    expect(listed.length, 'every room listed').toBe(LAYERS.flat().length);
    expect(ranks, `rooms in the order of their layers, highest first: ${listed.join(', ')}`).toEqual([...ranks].sort((a, b) => b - a));
  });

  it('gives every room of src/master/ a rank', () => {
    const unranked = files.filter((file) => file.startsWith(`${MASTER}/`)).map((file) => masterRankOf(file)).filter(({ rank }) => rank < 0);
    expect([...new Set(unranked.map(({ room }) => room))]).toEqual([]);
  });

  it('has no import inside src/master/ that points from a lower room up to a higher one', () => {
    expect(upwardImports(importGraph(files), masterRankOf, MASTER)).toEqual([]);
  });

  it('finds an upward import inside src/master/ when there is one (the check itself works)', () => {
    const at = (path: string): string => join(MASTER, path);
    const graph = new Map([
      [at('jobs/recorder.ts'), [at('observe/watch.ts'), at('jobs/run-observer.ts'), at('state/checkpoint.ts')]],
      [at('observe/watch.ts'), [at('jobs/run-observer.ts'), at('observe/http/metrics.ts')]],
      [at('observe/http/metrics.ts'), [at('observe/watch.ts')]],
      [at('master-options.ts'), [at('plan/task-exports.ts'), at('controls/rate-limit.ts')]],
      [at('state/checkpoint.ts'), [at('state/ledger.ts'), at('jobs/job-table.ts')]],
      [join(SRC, 'common/log.ts'), [at('master.ts')]],
    ]);
    expect(upwardImports(graph, masterRankOf, MASTER)).toEqual([
      'master/jobs/recorder.ts -> master/observe/watch.ts',
      'master/observe/watch.ts -> master/observe/http/metrics.ts',
      'master/master-options.ts -> master/plan/task-exports.ts',
      'master/state/checkpoint.ts -> master/jobs/job-table.ts',
    ]);
  });

  it('lists the rooms of master/ in docs/architecture.md in the order of their ranks', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    const start = doc.indexOf('\nmaster/');
    const block = doc.slice(start, doc.slice(start + 1).search(/\n[a-z]/) + start + 1);
    const listed = listedRooms(block, /^ {2}([a-z][a-z.-]*(?:\.ts)?)\/?\s|^ {4}(http)\/\s/gm).map((room) => (room === 'http' ? 'observe/http' : room));
    const rooms = MASTER_LAYERS.flat().filter((room) => !/\/.+\.ts$/.test(room));
    expect([...listed].sort(), 'every room of master/ listed').toEqual([...rooms].sort());
    // A nested room (observe/http) is listed under its parent, so it is ordered as its parent is.
    const ranks = listed.map((room) => MASTER_LAYERS.findIndex((entry) => entry.includes(room.split('/')[0]!)));
    expect(ranks, `rooms in the order of their ranks, highest first: ${listed.join(', ')}`).toEqual([...ranks].sort((a, b) => b - a));
  });

  it('keeps every file under 250 lines: one concept a file', () => {
    const long = files.map((file) => [relative(SRC, file), readFileSync(file, 'utf8').split('\n').length - 1] as const).filter(([, lines]) => lines > 250);
    expect(long).toEqual([]);
  });
});
