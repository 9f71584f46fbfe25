import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteWords, splitWords } from '../../src/fleet/shell-words.js';

/** The words a real POSIX shell sees in `line`: each printed with a NUL after it. */
function shellWords(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const AWKWARD = ["it's", 'two words', '$HOME', '`id`', '$(id)', 'a"b', 'back\\slash', 'new\nline', '*', '', ';rm -rf /', "'", '--name=x y', 'ü'];

describe('quoteWords', () => {
  it('gives the shell each word as it is, whatever it holds', () => {
    expect(shellWords(quoteWords(AWKWARD))).toEqual(AWKWARD);
  });

  it('leaves plain words plain', () => {
    expect(quoteWords(['tm-spawn', 'tasks.ts', '4', '--address', 'tcp://10.0.0.1:3050'])).toBe('tm-spawn tasks.ts 4 --address tcp://10.0.0.1:3050');
  });
});

describe('splitWords', () => {
  it('splits a command line as the shell would, without expanding', () => {
    const line = `ssh -F 'my cluster.conf' -o "ProxyJump=a b" a\\ b "x\\"y" $HOME`;
    expect(splitWords(line, 'ssh')).toEqual(['ssh', '-F', 'my cluster.conf', '-o', 'ProxyJump=a b', 'a b', 'x"y', '$HOME']);
    expect(splitWords(line, 'ssh').slice(0, -1)).toEqual(shellWords(line).slice(0, -1));
  });

  it('splits what quoteWords made back into the words', () => {
    expect(splitWords(quoteWords(AWKWARD.filter((w) => w !== '')), 'ssh')).toEqual(AWKWARD.filter((w) => w !== ''));
  });

  it('refuses an unclosed quote or an empty line, naming the flag', () => {
    expect(() => splitWords("ssh -F 'a", 'ssh')).toThrow("Expected `--ssh` to be a command line, got `ssh -F 'a`: its ' quote is not closed");
    expect(() => splitWords('  ', 'ssh')).toThrow('Expected `--ssh` to be a command line, got `  `');
  });
});
