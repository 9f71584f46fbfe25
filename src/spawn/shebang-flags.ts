import { readFileSync } from 'node:fs';

/**
 * The node flags in a script's `#!/usr/bin/env -S node …` line, so a process started as
 * `node script` runs as the script would run by itself (as an npm bin does).
 */
export function shebangFlags(script: string): string[] {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\S*env -S node((?:\s+--\S+)*)\s*$/.exec(first);
  return match?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}
