import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseProbeLine, probeCommand, remoteLine, tcpEndpoint } from '../../src/fleet/remote-command.js';
import { hostFailure, tellingLine } from '../../src/fleet/host-failure.js';

describe('the remote line', () => {
  it('appends tm-spawn’s arguments to the remote command, each one word for the host’s shell', () => {
    const line = remoteLine('printf "%s\\0"', ["my tasks/it's.ts", '2', '--name', '$(id) `x`']);
    expect(execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' }).split('\0').slice(0, -1)).toEqual(["my tasks/it's.ts", '2', '--name', '$(id) `x`']);
  });
});

describe('the probe', () => {
  it('says the client’s address from $SSH_CONNECTION, that node and the remote command are there, and ends', () => {
    const out = execFileSync('/bin/sh', ['-c', probeCommand(`${process.execPath} -e ''`)], { encoding: 'utf8', input: '', env: { ...process.env, SSH_CONNECTION: '10.231.77.1 40000 10.231.77.2 22' } });
    expect(out.trim().split('\n').map(parseProbeLine)).toEqual([{ kind: 'connection', clientAddress: '10.231.77.1' }, { kind: 'ready' }]);
  });

  it('says when node is missing, and exits 127', () => {
    let status: number | undefined;
    let out = '';
    try {
      execFileSync('/bin/sh', ['-c', probeCommand('true')], { encoding: 'utf8', input: '', env: { PATH: '/nonexistent', SSH_CONNECTION: 'fd00::1 1 fd00::2 22' } });
    } catch (error) {
      ({ status, stdout: out } = error as { status: number; stdout: string });
    }
    expect(status).toBe(127);
    expect(out.trim().split('\n').map(parseProbeLine)).toEqual([{ kind: 'connection', clientAddress: 'fd00::1' }, { kind: 'no-node' }]);
  });

  it('says when the remote command does not run, and exits 127, its own words on stderr', () => {
    let status: number | undefined;
    let out = '';
    let err = '';
    try {
      execFileSync('/bin/sh', ['-c', probeCommand('/nonexistent/tm-spawn')], { encoding: 'utf8', input: '', stdio: 'pipe', env: { ...process.env, SSH_CONNECTION: '10.0.0.1 1 10.0.0.2 22' } });
    } catch (error) {
      ({ status, stdout: out, stderr: err } = error as { status: number; stdout: string; stderr: string });
    }
    expect(status).toBe(127);
    expect(out.trim().split('\n').map(parseProbeLine)).toEqual([{ kind: 'connection', clientAddress: '10.0.0.1' }, { kind: 'no-command' }]);
    expect(err).toMatch(/nonexistent\/tm-spawn: not found|No such file/);
  });

  it('takes no other line for its own (a login banner, a shell’s chatter)', () => {
    expect(parseProbeLine('Welcome to tm-probe land')).toBeUndefined();
    expect(parseProbeLine('tm-probe')).toBeUndefined();
    expect(parseProbeLine('tm-probe ::ffff:10.0.0.1 1 10.0.0.2 22')).toEqual({ kind: 'connection', clientAddress: '10.0.0.1' });
  });

  it('puts an IPv6 address in brackets in an endpoint', () => {
    expect(tcpEndpoint('fd00::1', '3050')).toBe('tcp://[fd00::1]:3050');
    expect(tcpEndpoint('10.0.0.1', '3050')).toBe('tcp://10.0.0.1:3050');
  });
});

describe('hostFailure', () => {
  it('names what is missing in one line', () => {
    expect(hostFailure(255, null, 'ssh: connect to host h1 port 22: Connection refused', 'npx --no-install tm-spawn')).toBe('cannot be reached over ssh (exit 255): ssh: connect to host h1 port 22: Connection refused');
    expect(hostFailure(127, null, 'sh: 1: npx: not found', 'npx --no-install tm-spawn')).toMatch(/^lacks `npx --no-install tm-spawn` \(exit 127: node or the package is not installed there/);
    expect(hostFailure(1, null, 'npm error could not determine executable to run', 'npx --no-install tm-spawn')).toMatch(/^lacks `npx --no-install tm-spawn` \(exit 1/);
    expect(hostFailure(3, null, undefined, 'x')).toMatch(/gave up/);
  });

  it('picks the line that names what is missing from what npx said', () => {
    const npx = ['npm error code E404', 'npm error 404 Not Found - GET https://registry.npmjs.org/tm-spawn - Not found', 'npm error 404', 'npm error A complete log of this run can be found in: /root/.npm/_logs/x.log'];
    expect(tellingLine(npx)).toBe(npx[1]);
    expect(tellingLine(['a', 'b'])).toBe('b');
  });

  it('is no failure for a clean end or a stop', () => {
    for (const code of [0, 130, 143]) expect(hostFailure(code, null, 'bye', 'x')).toBeUndefined();
  });
});
