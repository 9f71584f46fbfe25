/**
 * Test hosts in network namespaces, for runs that cross a real (virtual) network: a switch
 * namespace holding a bridge, and one namespace per host joined to it by a veth pair, with
 * addresses from 10.231.77.0/24, used only inside these namespaces. Nothing is made in the
 * machine's own namespace: every link is created inside the namespaces it joins.
 *
 * Needs root and iproute2. Everything a lab makes is removed by `remove()`, by an exit handler
 * if the test process ends first, and (for a lab whose process was killed) by the next lab made
 * on the machine, which removes the namespaces of test processes that are gone.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../../src/master/state/state-lock.js';

/** The /24 of the labs: private, and used nowhere but inside their namespaces. */
export const SUBNET = '10.231.77';
const PREFIX = 'tmlab';
const TAP_WIRE = fileURLToPath(new URL('./tap-wire.py', import.meta.url));

/** A link shaped like a long, lossy one: each frame delayed, some dropped. */
export interface Shape {
  readonly delayMs: number;
  readonly lossPercent: number;
}

export interface Host {
  readonly name: string;
  /** Its network namespace, for `runBin(…, { netns })`. */
  readonly netns: string;
  /** Its address on the lab's network. */
  readonly address: string;
}

/** Runs `ip …`; throws with its stderr on failure. */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Why labs cannot be made here, or undefined when they can: a namespace is made and removed to
 * find out, since root alone does not say (a container may forbid it).
 */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = `${PREFIX}-${process.pid}-probe`;
  try {
    ip('netns', 'add', probe);
    ip('-n', probe, 'link', 'add', 'probe0', 'type', 'bridge');
  } catch (error) {
    return `ip netns does not work here: ${((error as { stderr?: string }).stderr ?? (error as Error).message).trim()}`;
  } finally {
    try {
      ip('netns', 'del', probe);
    } catch {
      // Never made.
    }
  }
  return undefined;
}

/** Whether this kernel has sch_netem (`tc qdisc … netem`); without it a shaped link is a TAP wire (tap-wire.py). */
function hasNetem(netns: string, dev: string): boolean {
  try {
    execFileSync('ip', ['netns', 'exec', netns, 'tc', 'qdisc', 'add', 'dev', dev, 'root', 'netem', 'delay', '1ms'], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'exec', netns, 'tc', 'qdisc', 'del', 'dev', dev, 'root'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Removes the namespaces of labs whose test process is gone (killed before its exit handler ran). */
function removeStaleLabs(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const match = new RegExp(`^(${PREFIX}-(\\d+)-\\S+)`).exec(line);
    if (match === null || isAlive(Number(match[2]))) continue;
    try {
      ip('netns', 'del', match[1]!);
    } catch {
      // Another lab got there first.
    }
  }
}

export class Lab {
  readonly #id: string;
  readonly #switch: string;
  readonly #hosts = new Map<string, Host>();
  readonly #wires: ChildProcess[] = [];
  readonly #onExit = (): void => this.remove();
  #removed = false;

  private constructor(id: string) {
    this.#id = id;
    this.#switch = `${id}-sw`;
    process.once('exit', this.#onExit);
  }

  /**
   * A lab of `names` hosts (10.231.77.1, .2, … in that order); each host in `shaped` reaches the
   * switch over a link with that shape: netem where the kernel has it, else a TAP wire.
   */
  static async create(label: string, names: readonly string[], shaped: Readonly<Record<string, Shape>> = {}): Promise<Lab> {
    removeStaleLabs();
    const lab = new Lab(`${PREFIX}-${process.pid}-${label}`);
    try {
      ip('netns', 'add', lab.#switch);
      ip('-n', lab.#switch, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', lab.#switch, 'link', 'set', 'br0', 'up');
      for (const [i, name] of names.entries()) await lab.#addHost(name, `${SUBNET}.${i + 1}`, shaped[name]);
    } catch (error) {
      lab.remove();
      throw error;
    }
    return lab;
  }

  host(name: string): Host {
    const host = this.#hosts.get(name);
    if (host === undefined) throw new Error(`no host ${name} in lab ${this.#id}`);
    return host;
  }

  /** Cuts `name`'s cable at the switch: its frames go nowhere, as if unplugged (its own interface stays up). */
  cut(name: string): void {
    ip('-n', this.#switch, 'link', 'set', this.#port(name), 'down');
  }

  /** Plugs `name`'s cable back in. */
  restore(name: string): void {
    ip('-n', this.#switch, 'link', 'set', this.#port(name), 'up');
  }

  /** Removes every namespace (and so every link in them) and ends the TAP wires. Safe to repeat. */
  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    process.off('exit', this.#onExit);
    for (const wire of this.#wires) wire.kill('SIGKILL');
    for (const netns of [this.#switch, ...[...this.#hosts.values()].map((host) => host.netns)]) {
      try {
        ip('netns', 'del', netns);
      } catch {
        // Never made, or gone already.
      }
    }
  }

  #port(name: string): string {
    this.host(name);
    return `p-${name}`.slice(0, 15);
  }

  async #addHost(name: string, address: string, shape: Shape | undefined): Promise<void> {
    const netns = `${this.#id}-${name}`;
    ip('netns', 'add', netns);
    this.#hosts.set(name, { name, netns, address });
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    const port = this.#port(name);
    if (shape === undefined || hasNetemIn(this.#switch)) {
      ip('link', 'add', 'eth0', 'netns', netns, 'type', 'veth', 'peer', 'name', port, 'netns', this.#switch);
    } else {
      await this.#wire(netns, port, shape);
    }
    ip('-n', this.#switch, 'link', 'set', port, 'master', 'br0');
    ip('-n', this.#switch, 'link', 'set', port, 'up');
    ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', netns, 'link', 'set', 'eth0', 'up');
    if (shape !== undefined && hasNetemIn(this.#switch)) {
      // Both directions: the host's way out, and the switch's way to it.
      const netem = ['netem', 'delay', `${shape.delayMs}ms`, 'loss', `${shape.lossPercent}%`];
      execFileSync('ip', ['netns', 'exec', netns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', ...netem]);
      execFileSync('ip', ['netns', 'exec', this.#switch, 'tc', 'qdisc', 'add', 'dev', port, 'root', ...netem]);
    }
  }

  /** A shaped link made of two TAPs and tap-wire.py between them: one end becomes the host's eth0. */
  async #wire(netns: string, port: string, shape: Shape): Promise<void> {
    const wire = spawn('ip', ['netns', 'exec', this.#switch, 'python3', TAP_WIRE, 'wire0', port, String(shape.delayMs), String(shape.lossPercent)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.#wires.push(wire);
    const ready = once(createInterface({ input: wire.stdout! }), 'line');
    const exited = once(wire, 'exit').then(([code]) => {
      throw new Error(`tap-wire.py exited (${String(code)}) before it was ready`);
    });
    await Promise.race([ready, exited]);
    ip('-n', this.#switch, 'link', 'set', 'wire0', 'netns', netns);
    ip('-n', netns, 'link', 'set', 'wire0', 'name', 'eth0');
  }
}

const netemChecked = new Map<string, boolean>();

/** Whether netem works, checked once per lab on a dummy bridge of its switch namespace. */
function hasNetemIn(switchNetns: string): boolean {
  let known = netemChecked.get(switchNetns);
  if (known === undefined) {
    known = hasNetem(switchNetns, 'br0');
    netemChecked.set(switchNetns, known);
  }
  return known;
}
