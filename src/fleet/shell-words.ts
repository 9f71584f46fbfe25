/** POSIX shell words: splitting `--ssh 'ssh -F cluster.conf'` into argv, and quoting argv for a remote shell. */
import { UsageError } from '../common/errors.js';

/** Words that need no quotes in any POSIX shell. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `word` as one word of a POSIX shell command line, whatever it holds (quotes, spaces, `$`, newlines). */
export function quoteWord(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `words` as a POSIX shell command line, each one word. */
export function quoteWords(words: readonly string[]): string {
  return words.map(quoteWord).join(' ');
}

/**
 * Splits a command line into words as a POSIX shell would, without expanding anything: blanks
 * part words, 'single' and "double" quotes and backslashes keep them together. `flag` names the
 * option in the error for an unmatched quote or an empty line.
 *
 * @example
 * splitWords("ssh -F 'my cluster.conf'", 'ssh') // ['ssh', '-F', 'my cluster.conf']
 */
export function splitWords(line: string, flag: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (c === '\\' && i + 1 < line.length && (quote === undefined || '"\\$`'.includes(line[i + 1]!))) {
      word = (word ?? '') + line[++i];
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote !== undefined) throw new UsageError(`Expected \`--${flag}\` to be a command line, got \`${line}\`: its ${quote} quote is not closed`);
  if (word !== undefined) words.push(word);
  if (words.length === 0) throw new UsageError(`Expected \`--${flag}\` to be a command line, got \`${line}\``);
  return words;
}
