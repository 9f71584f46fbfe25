import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/processes.js';
import { useTestDir } from '../helpers/test-dir.js';
import { shebang } from '../../src/spawn/shebang.js';

const dir = useTestDir();

/** `shebang` of a script whose first line is `line`. */
function of(line: string): ReturnType<typeof shebang> {
  const file = join(dir.path, 'script.js');
  writeFileSync(file, `${line}\nconsole.log(1);\n`);
  return shebang(file);
}

describe('shebang', () => {
  it('reads the variables env sets and the node flags of a `#!/usr/bin/env -S` line', () => {
    expect(of('#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2')).toEqual({ env: { MALLOC_ARENA_MAX: '2' }, flags: ['--max-semi-space-size=2'] });
    expect(of('#!/usr/bin/env -S node --max-semi-space-size=16')).toEqual({ env: {}, flags: ['--max-semi-space-size=16'] });
    expect(of('#!/usr/bin/env -S A=1 B_2=x node')).toEqual({ env: { A: '1', B_2: 'x' }, flags: [] });
  });

  it('finds nothing in a plain `#!/usr/bin/env node` line, or none', () => {
    expect(of('#!/usr/bin/env node')).toEqual({ env: {}, flags: [] });
    expect(of('// no shebang')).toEqual({ env: {}, flags: [] });
  });

  it('reads the built tm-slave’s: the flags and variables every slave a supervisor starts runs with', () => {
    const slave = shebang(join(ROOT, 'dist', 'bin', 'tm-slave.js'));
    expect(slave.flags).toContain('--max-semi-space-size=2');
    expect(slave.env).toEqual({ MALLOC_ARENA_MAX: '2' });
  });
});
