/**
 * examples/kubernetes/: each manifest's containers run the way their pods would, so the manifests
 * cannot drift from the flags. The YAML is parsed as Kubernetes does (YAML 1.1: `0400` is octal);
 * each container's command runs as pid 1 of its own pid, mount and UTS namespaces (its pod's host
 * name), in a network namespace of its own (test/helpers/netns.ts), with its args and env as
 * written. Its volumes are mounted where the manifest says, in its mount namespace: a temp dir
 * for the PersistentVolumeClaim, the Secret's items as files with its defaultMode, the image's
 * working directory (Dockerfile) from examples/kubernetes/, and a hosts file that resolves the
 * Service's name to the master's address, as cluster DNS would. Images cannot be pulled here:
 * `tm-master`/`tm-slave` are this checkout's dist/bin. Needs root, unshare and iproute2: skipped
 * locally without them, a failure under CI.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { writeKeyPair } from '../../src/curve/keys.js';
import { pid1Unavailable, runAsPid1, type Pid1 } from '../helpers/containers.js';
import { Lab, labUnavailable } from '../helpers/netns.js';
import { ROOT } from '../helpers/processes.js';
import { readStateFields } from '../helpers/state.js';
import { useTestDir } from '../helpers/test-dir.js';

const EXAMPLE = join(ROOT, 'examples', 'kubernetes');
const unavailable = pid1Unavailable() ?? labUnavailable();

interface Mount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
}
interface Container {
  readonly name: string;
  readonly command: string[];
  readonly args: string[];
  readonly workingDir: string;
  readonly env?: Array<{ name: string; value?: string }>;
  readonly ports?: Array<{ containerPort: number }>;
  readonly volumeMounts: Mount[];
}
interface Volume {
  readonly name: string;
  readonly persistentVolumeClaim?: { claimName: string };
  readonly secret?: { secretName: string; defaultMode?: number; items: Array<{ key: string; path: string }> };
}
interface PodSpec {
  readonly containers: Container[];
  readonly volumes: Volume[];
  readonly terminationGracePeriodSeconds?: number;
}
interface Resource {
  readonly kind: string;
  readonly metadata: { name: string };
  readonly spec: {
    template?: { spec: PodSpec };
    completions?: number;
    completionMode?: string;
    ports?: Array<{ port: number; targetPort: number }>;
    resources?: unknown;
  };
}

/** The resources of a manifest, parsed as the API server does; a YAML error fails the test. */
function manifest(file: string): Resource[] {
  return parseAllDocuments(readFileSync(join(EXAMPLE, file), 'utf8'), { version: '1.1' }).map((document) => {
    expect(document.errors, file).toEqual([]);
    return document.toJS() as Resource;
  });
}

const only = <T>(items: T[], what: string): T => {
  expect(items, what).toHaveLength(1);
  return items[0]!;
};
const ofKind = (resources: Resource[], kind: string): Resource => only(resources.filter((r) => r.kind === kind), kind);
const podOf = (job: Resource): PodSpec => job.spec.template!.spec;
const flag = (container: Container, name: string): string => container.args[container.args.indexOf(name) + 1]!;
const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** The deepest directory above `path` that the machine has: a tmpfs over it in the pod's mount namespace makes room for `path`. */
function existingAncestor(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir)) dir = dirname(dir);
  // Hiding these would hide what node, the test or the namespaces need.
  expect(['/', '/etc', '/usr', '/proc', '/sys', '/dev', '/tmp', '/work'], `a mount path the test can make room for: ${path}`).not.toContain(dir);
  return dir;
}

describe.runIf(unavailable !== undefined && process.env.CI)('namespaces for the Kubernetes example under CI', () => {
  it('are available: CI must run the manifests', () => {
    expect.fail(`CI cannot run the Kubernetes example's pods (${unavailable}): .ci/run runs as root, with iproute2 and util-linux`);
  });
});

if (unavailable !== undefined && !process.env.CI) process.stderr.write(`test/examples/kubernetes: skipped, namespaces unavailable (${unavailable}); run as root with iproute2 and util-linux\n`);

describe.skipIf(unavailable !== undefined)('examples/kubernetes', () => {
  const dir = useTestDir();
  let lab: Lab;
  const master = manifest('master.yaml');
  const slaves = manifest('slaves.yaml');
  const masterJob = ofKind(master, 'Job');
  const slaveJob = ofKind(slaves, 'Job');
  const service = ofKind(master, 'Service');
  const masterContainer = only(podOf(masterJob).containers, 'the master’s containers');
  const slaveContainer = only(podOf(slaveJob).containers, 'the slaves’ containers');
  const completions = slaveJob.spec.completions ?? 1;

  beforeAll(async () => {
    lab = await Lab.create('k8s', ['master', ...Array.from({ length: completions }, (_, i) => `slave-${i}`)]);
  });
  afterAll(() => lab?.remove());

  /** Key files as `tm-keygen` makes them, by the names the Secrets' items use. */
  function secretData(): Record<string, string> {
    const keys = join(dir.path, 'keys');
    mkdirSync(keys);
    const masterPair = writeKeyPair(join(keys, 'master'));
    const slavePair = writeKeyPair(join(keys, 'slave'));
    writeFileSync(join(keys, 'authorized_keys'), readFileSync(slavePair.publicFile));
    return { 'master.key': masterPair.secretFile, 'master.pub': masterPair.publicFile, 'slave.key': slavePair.secretFile, 'slave.pub': slavePair.publicFile, authorized_keys: join(keys, 'authorized_keys') };
  }

  /** The directory that backs `volume` in pod `pod`: a claim's is shared by every pod that mounts it, a Secret's items are files. */
  function volumeSource(pod: string, volume: Volume, secrets: Record<string, string>): string {
    if (volume.persistentVolumeClaim !== undefined) {
      const path = join(dir.path, 'claims', volume.persistentVolumeClaim.claimName);
      mkdirSync(path, { recursive: true });
      return path;
    }
    expect(volume.secret, `volume ${volume.name} is a claim or a Secret`).toBeDefined();
    const path = join(dir.path, 'pods', pod, volume.name);
    mkdirSync(path, { recursive: true });
    for (const item of volume.secret!.items) {
      expect(secrets, `a key of ${volume.secret!.secretName}`).toHaveProperty([item.key]);
      copyFileSync(secrets[item.key]!, join(path, item.path));
      chmodSync(join(path, item.path), volume.secret!.defaultMode ?? 0o644);
    }
    return path;
  }

  /**
   * The image's working directory: the example's task module, its generator held until the file
   * `gate` exists. The run takes a second: a slave still in its reconnect backoff when the master
   * comes would otherwise find the run over, and wait for a QUIT (see the README).
   */
  function image(gate: string): string {
    const path = join(dir.path, 'image');
    mkdirSync(path);
    const module = join(EXAMPLE, 'tasks.mjs');
    writeFileSync(
      join(path, 'tasks.mjs'),
      [
        `import { existsSync } from 'node:fs';`,
        `import { setTimeout as delay } from 'node:timers/promises';`,
        `import * as example from ${JSON.stringify(module)};`,
        `export const { handleJob, countJobs } = example;`,
        `export async function* getJobs(last, args) {`,
        `  while (!existsSync(${JSON.stringify(gate)})) await delay(5, undefined, { ref: false });`,
        `  yield* example.getJobs(last, args);`,
        `}`,
      ].join('\n'),
    );
    return path;
  }

  /** Runs `container` of `spec` as its pod would: pid 1, its host name, its mounts, its working directory (the image), its env. */
  function runPod(pod: string, host: string, spec: PodSpec, container: Container, secrets: Record<string, string>, imageDir: string): Pid1 {
    const [bin, ...rest] = container.command;
    expect(bin, 'a command of this package').toMatch(/^tm-(master|slave|spawn)$/);
    expect(rest, 'flags in args, not in command').toEqual([]);
    for (const word of container.args) expect(word, 'no $(VAR) to expand').not.toMatch(/\$\(/);
    const env = Object.fromEntries((container.env ?? []).map(({ name, value }) => [name, value ?? expect.fail(`env ${name} has no value`)]));
    const hosts = join(dir.path, 'pods', pod, 'hosts');
    mkdirSync(dirname(hosts), { recursive: true });
    writeFileSync(hosts, `127.0.0.1 localhost\n${lab.host('master').address} ${service.metadata.name}\n`);
    // The image's working directory holds the task module (Dockerfile: WORKDIR, COPY).
    const mounts: Array<{ source: string; path: string; readOnly: boolean }> = [{ source: imageDir, path: container.workingDir, readOnly: true }];
    for (const mount of container.volumeMounts) {
      const volume = only(spec.volumes.filter((v) => v.name === mount.name), `volume ${mount.name}`);
      mounts.push({ source: volumeSource(pod, volume, secrets), path: mount.mountPath, readOnly: mount.readOnly ?? false });
    }
    const bases = [...new Set(mounts.map(({ path }) => existingAncestor(path)))];
    const setup = [
      `mount --bind ${quote(hosts)} /etc/hosts`,
      ...bases.map((base) => `mount -t tmpfs tmpfs ${quote(base)}`),
      ...mounts.flatMap(({ source, path, readOnly }) => [`mkdir -p ${quote(path)}`, `mount --bind ${quote(source)} ${quote(path)}`, ...(readOnly ? [`mount -o remount,bind,ro ${quote(path)}`] : [])]),
      `cd ${quote(container.workingDir)}`,
    ];
    return runAsPid1(bin!, container.args, { hostname: pod, netns: lab.host(host).netns, env, setup, cwd: dir.path });
  }

  it('holds what the pods need: one image layout, the Service in front of the master’s port, a grace period longer than --grace', () => {
    const dockerfile = readFileSync(join(EXAMPLE, 'Dockerfile'), 'utf8');
    for (const container of [masterContainer, slaveContainer]) {
      expect(dockerfile).toContain(`WORKDIR ${container.workingDir}\n`);
      expect(dockerfile).toContain(`COPY ${container.args[0]} .\n`);
      expect(existsSync(join(EXAMPLE, container.args[0]!)), container.args[0]).toBe(true);
    }
    const port = only(service.spec.ports!, 'the Service’s ports');
    expect(masterContainer.ports?.map((p) => p.containerPort)).toEqual([port.targetPort]);
    expect(flag(masterContainer, '--address')).toBe(`tcp://0.0.0.0:${port.targetPort}`);
    expect(flag(slaveContainer, '--address')).toBe(`tcp://${service.metadata.name}:${port.port}`);
    expect(podOf(masterJob).terminationGracePeriodSeconds! * 1000).toBeGreaterThan(Number(flag(masterContainer, '--grace')));
    expect(slaveJob.spec.completionMode).toBe('Indexed');
    const claim = ofKind(master, 'PersistentVolumeClaim');
    expect(podOf(masterJob).volumes.map((v) => v.persistentVolumeClaim?.claimName)).toContain(claim.metadata.name);
  });

  it('runs: the slaves wait for the master through the Service, the run completes, every pod exits 0', async () => {
    const secrets = secretData();
    const gate = join(dir.path, 'every-slave-joined');
    const imageDir = image(gate);
    const slavePods = Array.from({ length: completions }, (_, i) => runPod(`${slaveJob.metadata.name}-${i}-x7k2p`, `slave-${i}`, podOf(slaveJob), slaveContainer, secrets, imageDir));
    // Applied together, the slaves may start first: each waits for the master, and is welcomed when it comes.
    for (const slave of slavePods) await slave.waitFor(new RegExp(`waiting for a master at tcp://${service.metadata.name}:`));
    const masterPod = runPod(`${masterJob.metadata.name}-q9w4d`, 'master', podOf(masterJob), masterContainer, secrets, imageDir);
    await expect.poll(() => masterPod.stderr.match(/slave taskmaster-slaves-\d-x7k2p:1 joined/g)?.length ?? 0, { timeout: 30_000, interval: 20 }).toBe(completions);
    writeFileSync(gate, '');

    const n = Number(/^n=(\d+)$/.exec(masterContainer.args.find((arg) => arg.startsWith('n='))!)![1]);
    expect(await masterPod.exited, masterPod.stderr).toEqual({ code: 0, signal: null });
    expect(masterPod.stdout).toContain(`finished: ${n} jobs done, 0 dead-lettered`);
    let ran = 0;
    for (const slave of slavePods) {
      expect(await slave.exited, slave.stderr).toEqual({ code: 0, signal: null });
      const [, jobs] = /^tm-slave: (\d+) jobs run, 0 failed; the run is over\n$/.exec(slave.stdout) ?? expect.fail(slave.stdout);
      ran += Number(jobs);
    }
    expect(ran).toBe(n);
    // The state is on the claim, where the next pod of the Job would find it.
    const state = flag(masterContainer, '--state');
    const mount = only(masterContainer.volumeMounts.filter((m) => state.startsWith(`${m.mountPath}/`)), 'the mount of --state');
    const claim = only(podOf(masterJob).volumes.filter((v) => v.name === mount.name), 'the state volume').persistentVolumeClaim!.claimName;
    expect(readStateFields(join(dir.path, 'claims', claim, state.slice(mount.mountPath.length + 1)))).toMatchObject({ finished: true, ledger: { watermark: n, failed: 0 } });
  }, 120_000);
});
