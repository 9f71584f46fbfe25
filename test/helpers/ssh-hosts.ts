/**
 * SSH hosts for tests and the bench: a lab of network namespaces (netns.ts) where each host runs
 * Debian's OpenSSH server as pid 1 of its own pid, mount and UTS namespaces (so it has its own
 * process list, mount table and host name), with a throwaway host key, key-only root login and a
 * client config that reaches it with `BatchMode=yes` and strict host key checking. A `client`
 * host without sshd is where ssh, and the master, run.
 *
 * Needs root, iproute2, util-linux's unshare and openssh-server. Everything is removed by
 * `remove()`, by an exit handler if the process ends first, and (for a process killed before its
 * handler ran) by the next `SshHosts.create()` on the machine. No vitest import: the bench uses it.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../src/master/state/state-lock.js';
import { Lab, labUnavailable, type Host } from './netns.js';
import { processesInNamespaceOf, type NsProcess } from './pid-namespaces.js';
import { childPids } from './processes.js';

export const SSHD = '/usr/sbin/sshd';
/** The temp dirs' prefix: the creating pid follows, so a later run can tell a dead run's sshd. */
const PREFIX = 'tm-sshd-';
const UNSHARE = ['unshare', '--pid', '--fork', '--kill-child', '--mount', '--mount-proc', '--uts'];
/** How long an sshd may take to say it listens: a loaded 2-core machine is slow, not this slow. */
const READY_MS = 30_000;

export interface SshHostsOptions {
  /** The host (no sshd) where ssh and the master run. @default 'client' */
  readonly client?: string;
  /** Per host name, folders hidden from it by an empty tmpfs mounted over them before sshd starts. @default none */
  readonly hide?: Readonly<Record<string, readonly string[]>>;
}

/** What one ssh command gave. */
export interface SshResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Why SSH hosts cannot be made here, or undefined when they can. */
export function sshHostsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync(SSHD)) return `no ${SSHD} (Debian's openssh-server)`;
  for (const tool of ['ssh', 'ssh-keygen', 'unshare']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `no ${tool} on PATH`;
    }
  }
  const lab = labUnavailable();
  if (lab !== undefined) return lab;
  try {
    const pid = execFileSync(UNSHARE[0]!, [...UNSHARE.slice(1), 'sh', '-c', 'echo $$'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pid.trim() === '1' ? undefined : `unshare's child is pid ${pid.trim()}, not 1`;
  } catch (error) {
    return `unshare does not work here: ${((error as { stderr?: string }).stderr ?? (error as Error).message).trim()}`;
  }
}

/** Kills the sshd namespaces of runs whose process is gone (killed before its exit handler ran), and removes their dirs. */
function removeStale(): void {
  const stale = new RegExp(`${tmpdir()}/${PREFIX}(\\d+)-`);
  for (const entry of readdirSync('/proc')) {
    try {
      const match = stale.exec(readFileSync(`/proc/${entry}/cmdline`, 'utf8'));
      if (match !== null && !isAlive(Number(match[1]))) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // Not a process, or gone.
    }
  }
  for (const entry of readdirSync(tmpdir())) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(entry);
    if (match !== null && !isAlive(Number(match[1]))) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
}

function keygen(file: string, comment: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' });
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

/** One host's sshd_config: key-only root login from the one client key; ClientAliveInterval stays at its default (off). */
function sshdConfig(hostKey: string, authorizedKeys: string, address: string): string {
  return [
    `ListenAddress ${address}:22`,
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The keys live under /tmp, which is world-writable: StrictModes would refuse them.
    'StrictModes no',
    'PidFile none',
    'PrintMotd no',
    'UseDNS no',
    '',
  ].join('\n');
}

export class SshHosts {
  /** Where the keys, configs and known_hosts live; removed with the hosts. */
  readonly dir: string;
  /** `ssh -F configFile <name>` reaches host `name` (from the client's namespace). */
  readonly configFile: string;
  readonly knownHostsFile: string;
  readonly clientKey: string;
  readonly #lab: Lab;
  readonly #client: string;
  readonly #names: readonly string[];
  readonly #servers = new Map<string, { unshare: ChildProcess; sshd: number; log: string[] }>();
  readonly #onExit = (): void => this.remove();
  #removed = false;

  private constructor(lab: Lab, dir: string, client: string, names: readonly string[]) {
    this.#lab = lab;
    this.dir = dir;
    this.#client = client;
    this.#names = names;
    this.configFile = join(dir, 'ssh_config');
    this.knownHostsFile = join(dir, 'known_hosts');
    this.clientKey = join(dir, 'client_key');
    process.once('exit', this.#onExit);
  }

  /** A client host (10.231.77.1) and `names` SSH hosts (.2, .3, … in that order), each sshd listening on port 22. */
  static async create(label: string, names: readonly string[], options: SshHostsOptions = {}): Promise<SshHosts> {
    removeStale();
    const client = options.client ?? 'client';
    const lab = await Lab.create(label, [client, ...names]);
    const hosts = new SshHosts(lab, mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`)), client, names);
    try {
      await hosts.#start(options.hide ?? {});
    } catch (error) {
      hosts.remove();
      throw error;
    }
    return hosts;
  }

  /** The host where ssh and the master run: no sshd. */
  get client(): Host {
    return this.#lab.host(this.#client);
  }

  /** The SSH hosts, in the order given. */
  get hosts(): Host[] {
    return this.#names.map((name) => this.#lab.host(name));
  }

  host(name: string): Host {
    return this.#lab.host(name);
  }

  /** The argv that runs `command` on `name` over ssh from the client's namespace, with this config (and `sshOptions`). */
  sshArgv(name: string, command: readonly string[], sshOptions: readonly string[] = []): string[] {
    return ['ip', 'netns', 'exec', this.client.netns, 'ssh', '-F', this.configFile, ...sshOptions, name, ...command];
  }

  /** Runs `command` on `name` over ssh and resolves with what it gave; ssh's own failures are exit code 255. */
  ssh(name: string, command: readonly string[], sshOptions: readonly string[] = []): Promise<SshResult> {
    const [file, ...args] = this.sshArgv(name, command, sshOptions);
    return new Promise((resolve) => {
      execFile(file!, args, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
      });
    });
  }

  /** The processes in `name`'s pid namespace (pids as this process sees them), sshd's own left out. */
  processes(name: string): NsProcess[] {
    return processesInNamespaceOf(this.#server(name).sshd).filter((p) => p.command !== 'sshd');
  }

  /** What `name`'s sshd has logged (its -e stderr), for a failure's message. */
  sshdLog(name: string): string {
    return this.#server(name).log.join('');
  }

  /** Cuts `name`'s cable at the switch: ssh to it fails (255), and open sessions hear nothing. */
  cut(name: string): void {
    this.#lab.cut(name);
  }

  /** Plugs `name`'s cable back in. */
  restore(name: string): void {
    this.#lab.restore(name);
  }

  /** Kills each host's sshd, and with it (as pid 1) every process of its namespace; removes the lab and the files. Safe to repeat. */
  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    process.off('exit', this.#onExit);
    for (const { unshare, sshd } of this.#servers.values()) {
      for (const pid of [sshd, unshare.pid]) {
        try {
          if (pid !== undefined && pid > 0) process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    }
    this.#lab.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #server(name: string): { unshare: ChildProcess; sshd: number; log: string[] } {
    const server = this.#servers.get(name);
    if (server === undefined) throw new Error(`no SSH host ${name} (hosts: ${this.#names.join(', ')})`);
    return server;
  }

  async #start(hide: Readonly<Record<string, readonly string[]>>): Promise<void> {
    const clientPub = keygen(this.clientKey, 'tm-test-client');
    const knownHosts: string[] = [];
    const config = ['# Written by test/helpers/ssh-hosts.ts for one run.'];
    for (const host of this.hosts) {
      const hostDir = join(this.dir, host.name);
      mkdirSync(hostDir);
      const hostPub = keygen(join(hostDir, 'host_key'), host.name);
      writeFileSync(join(hostDir, 'authorized_keys'), `${clientPub}\n`);
      writeFileSync(join(hostDir, 'sshd_config'), sshdConfig(join(hostDir, 'host_key'), join(hostDir, 'authorized_keys'), host.address));
      knownHosts.push(`${host.name},${host.address} ${hostPub.split(' ').slice(0, 2).join(' ')}`);
      config.push(`Host ${host.name}`, `  HostName ${host.address}`);
    }
    config.push('Host *', '  User root', `  IdentityFile ${this.clientKey}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${this.knownHostsFile}`);
    config.push('  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes', '  BatchMode yes', '  ConnectTimeout 5', '  LogLevel ERROR', '');
    writeFileSync(this.knownHostsFile, `${knownHosts.join('\n')}\n`);
    writeFileSync(this.configFile, config.join('\n'), { mode: 0o600 });
    mkdirSync('/run/sshd', { recursive: true });
    await Promise.all(this.hosts.map((host) => this.#startSshd(host, hide[host.name] ?? [])));
  }

  /** Starts `host`'s sshd as pid 1 of new namespaces (its folders in `hidden` under an empty tmpfs) and waits until it listens. */
  async #startSshd(host: Host, hidden: readonly string[]): Promise<void> {
    const config = join(this.dir, host.name, 'sshd_config');
    const script = [`hostname ${host.name}`, ...hidden.map((folder) => `mount -t tmpfs -o size=1m tm-hidden '${folder}'`), `exec ${SSHD} -D -e -f ${config}`];
    const unshare = spawn('ip', ['netns', 'exec', host.netns, ...UNSHARE, 'sh', '-ec', script.join('\n')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = { unshare, sshd: 0, log: [] as string[] };
    this.#servers.set(host.name, server);
    const listening = new Promise<void>((resolve, reject) => {
      unshare.stderr!.on('data', (chunk: Buffer) => {
        server.log.push(chunk.toString());
        if (server.log.length > 200) server.log.shift();
        if (/Server listening on /.test(server.log.join(''))) resolve();
      });
      void once(unshare, 'exit').then(([code]) => reject(new Error(`sshd on ${host.name} exited (${String(code)}) before it listened:\n${server.log.join('')}`)));
      setTimeout(() => reject(new Error(`sshd on ${host.name} did not listen within ${READY_MS} ms:\n${server.log.join('')}`)), READY_MS).unref();
    });
    await listening;
    // ip execs unshare, which forks sh, which execs sshd: the one child of unshare is sshd.
    const sshd = childPids(unshare.pid!)[0];
    if (sshd === undefined) throw new Error(`sshd on ${host.name} listens, but unshare (pid ${unshare.pid}) has no child`);
    server.sshd = sshd;
  }
}
