import { describe, expect, it } from 'vitest';
import { exitArgv, probeArgv, sessionArgv } from '../../src/fleet/ssh-command.js';

const settings = { ssh: ['ssh', '-F', 'cluster.conf'], controlDir: '/tmp/tm-ssh-x' };

describe('the ssh command lines', () => {
  it('run the user’s ssh with its options first, then ours: never a prompt, no terminal, sockets of this run', () => {
    const [file, args] = sessionArgv(settings, 'root@h1', 'tm-spawn 2');
    expect(file).toBe('ssh');
    expect(args).toEqual(['-F', 'cluster.conf', '-T', '-o', 'BatchMode=yes', '-o', 'ControlPath=/tmp/tm-ssh-x/%C', '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3', '-o', 'ControlMaster=no', 'root@h1', 'tm-spawn 2']);
  });

  it('open the host’s ControlMaster with the probe, with keepalives, persisting a bounded time', () => {
    const [, args] = probeArgv(settings, 'h1', 'probe');
    expect(args).toEqual(expect.arrayContaining(['ControlMaster=auto', 'ControlPersist=30', 'ServerAliveInterval=5', 'ServerAliveCountMax=3', 'BatchMode=yes', '-T']));
    expect(args.slice(-2)).toEqual(['h1', 'probe']);
  });

  it('close a ControlMaster with ssh -O exit', () => {
    const [, args] = exitArgv(settings, 'h1');
    expect(args.slice(-3)).toEqual(['-O', 'exit', 'h1']);
    expect(args).toContain('ControlPath=/tmp/tm-ssh-x/%C');
  });
});
