import { readFileSync } from 'node:fs';

/** How a script's `#!/usr/bin/env -S [NAME=value…] node [--flag…]` line runs it: its environment and node flags. */
export interface Shebang {
  /** Variables `env` sets before it starts node. */
  readonly env: Readonly<Record<string, string>>;
  /** Node's flags. */
  readonly flags: string[];
}

/**
 * The environment and node flags of a script's `#!/usr/bin/env -S …` line, so a process started
 * as `node script` runs as the script would run by itself (as an npm bin does).
 */
export function shebang(script: string): Shebang {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\S*env -S((?:\s+[A-Z_][A-Z0-9_]*=\S*)*)\s+node((?:\s+--\S+)*)\s*$/.exec(first);
  const words = (text: string | undefined): string[] => text?.trim().split(/\s+/).filter(Boolean) ?? [];
  const env = Object.fromEntries(words(match?.[1]).map((word) => word.split(/=(.*)/s).slice(0, 2) as [string, string]));
  return { env, flags: words(match?.[2]) };
}
