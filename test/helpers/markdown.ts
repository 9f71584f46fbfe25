/** Reading the README and docs/*.md as tests need them: sections, fenced blocks, the commands in them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes.js';

/** A fenced code block: its language word (`sh`, `ts`, or '') and its text, ending in a newline. */
export interface Fence {
  readonly lang: string;
  readonly code: string;
}

/** The text of README.md or of a file under docs/ (`docs/cli.md`). */
export function readDoc(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/**
 * The text from the heading line `heading` (such as '## Controls' or '### `examples/x/`', matched
 * at the start of a line) up to the next heading of its level or above. Throws when there is none,
 * naming it, so a test that lost its section says which.
 */
export function section(text: string, heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start === -1) throw new Error(`no heading ${JSON.stringify(heading)}`);
  let end = start + 1;
  let fenced = false;
  for (; end < lines.length; end++) {
    const line = lines[end]!;
    if (line.startsWith('```')) fenced = !fenced;
    const hashes = /^(#+) /.exec(line)?.[1];
    if (!fenced && hashes !== undefined && hashes.length <= level) break;
  }
  return lines.slice(start, end).join('\n');
}

/** The fenced code blocks of `text`, in order; with `lang`, only those of that language. */
export function fences(text: string, lang?: string): Fence[] {
  const all = [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({ lang: match[1]!, code: match[2]! }));
  return lang === undefined ? all : all.filter((fence) => fence.lang === lang);
}

/** The lines of the `sh` blocks of `text` that start with `prefix`, comments and all. */
export function shLines(text: string, prefix: string): string[] {
  return fences(text, 'sh')
    .flatMap((fence) => fence.code.split('\n'))
    .filter((line) => line.startsWith(prefix));
}

/** The arguments of a shown `npx --no-install <bin> …` line, after the bin and without its `# comment`. */
export function npxArgs(line: string, bin: string): string[] {
  const prefix = `npx --no-install ${bin} `;
  if (!line.startsWith(prefix)) throw new Error(`not a ${prefix}line: ${line}`);
  return line.slice(prefix.length).split(' #')[0]!.trim().split(/\s+/);
}
