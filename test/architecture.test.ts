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
  ['sources'],
  ['master', 'slave'],
  ['spawn', 'status'],
  ['run'],
  ['cli'],
  ['bin'],
  ['index.ts'],
];

/** The rank of the folder (or top-level file) `file` sits in, under src/. */
function rankOf(file: string): { room: string; rank: number } {
  const room = relative(SRC, file).split('/')[0]!;
  const rank = LAYERS.findIndex((rooms) => rooms.includes(room));
  return { room, rank };
}

/** Every import that points up, or sideways into another room of the same rank, as `from -> to`. */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    const from = rankOf(file);
    for (const target of targets) {
      const to = rankOf(target);
      if (to.room !== from.room && to.rank >= from.rank) wrong.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
    }
  }
  return wrong;
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
    const listed = [...table.matchAll(/^([a-z][a-z.-]*(?:\.ts)?)\/?\s/gm)].map((m) => m[1]!).filter((room) => rankOf(join(SRC, room, 'x')).rank >= 0 || room === 'index.ts');
    const ranks = listed.map((room) => LAYERS.findIndex((rooms) => rooms.includes(room)));
    expect(listed.length, 'every room listed').toBe(LAYERS.flat().length);
    expect(ranks, `rooms in the order of their layers, highest first: ${listed.join(', ')}`).toEqual([...ranks].sort((a, b) => b - a));
  });

  it('keeps every file under 250 lines: one concept a file', () => {
    const long = files.map((file) => [relative(SRC, file), readFileSync(file, 'utf8').split('\n').length - 1] as const).filter(([, lines]) => lines > 250);
    expect(long).toEqual([]);
  });
});
