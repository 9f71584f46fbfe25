/**
 * A strict parser of the Prometheus text format (0.0.4), for tests of /metrics: anything a
 * Prometheus server would refuse or read differently throws, naming the line. (No npm parser of
 * the format is kept up; this one checks more than Prometheus does: every family typed and
 * helped once, before its samples and contiguous, counters >= 0, histograms whole.)
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value \`${text}\``);
  return Number(text);
}

function parseLabels(text: string | undefined, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === undefined || text === '') return labels;
  const pair = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`);
  let rest = text;
  while (rest !== '') {
    const match = pair.exec(rest);
    if (match === null) throw new Error(`${where}: bad labels \`${text}\``);
    const [whole, name, raw] = match as unknown as [string, string, string];
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    labels[name] = raw.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(whole.length);
  }
  return labels;
}

/** The family a sample named `name` belongs to (a histogram's _bucket, _sum, _count belong to it). */
function familyOf(name: string, families: ReadonlyMap<string, Family>): Family | undefined {
  const family = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ''));
  return family !== undefined && (family.name === name || family.type === 'histogram') ? family : undefined;
}

function checkHistogram(family: Family): void {
  const buckets = family.samples.filter((s) => s.name === `${family.name}_bucket`);
  const count = family.samples.find((s) => s.name === `${family.name}_count`);
  const sum = family.samples.find((s) => s.name === `${family.name}_sum`);
  if (buckets.length === 0 || count === undefined || sum === undefined) throw new Error(`histogram ${family.name}: needs _bucket, _sum and _count`);
  let previous = { le: -Infinity, value: 0 };
  for (const bucket of buckets) {
    const le = parseValue(bucket.labels.le ?? '', `histogram ${family.name} bucket le`);
    if (!(le > previous.le) || bucket.value < previous.value) throw new Error(`histogram ${family.name}: buckets not ascending and cumulative at le=${bucket.labels.le}`);
    previous = { le, value: bucket.value };
  }
  if (previous.le !== Infinity || previous.value !== count.value) throw new Error(`histogram ${family.name}: the +Inf bucket must be last and equal _count`);
}

/** Parses `text`; throws on the first line Prometheus would not take as it is meant. */
export function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const pending = new Map<string, { help?: string; type?: Family['type'] }>();
  let current: Family | undefined;
  const closed = new Set<string>();
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1}`;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (meta !== null) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (families.has(name)) throw new Error(`${where}: ${kind} of ${name} after its samples`);
      const entry = pending.get(name) ?? {};
      if ((kind === 'HELP' ? entry.help : entry.type) !== undefined) throw new Error(`${where}: second ${kind} of ${name}`);
      if (kind === 'TYPE' && !TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
      if (kind === 'HELP') entry.help = rest;
      else entry.type = rest as Family['type'];
      pending.set(name, entry);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`${where}: not a sample: \`${line}\``);
    const [, name, labelText, valueText] = match as unknown as [string, string, string | undefined, string];
    let family = familyOf(name, families);
    if (family === undefined) {
      const base = [name, name.replace(/_(bucket|sum|count)$/, '')].find((n) => pending.get(n)?.type !== undefined);
      const entry = base === undefined ? undefined : pending.get(base);
      if (base === undefined || entry?.type === undefined || entry.help === undefined) throw new Error(`${where}: sample ${name} before its # HELP and # TYPE`);
      if (entry.type !== 'histogram' && base !== name) throw new Error(`${where}: ${name} is not a sample of ${entry.type} ${base}`);
      family = { name: base, type: entry.type, help: entry.help, samples: [] };
      families.set(base, family);
    }
    if (family !== current) {
      if (closed.has(family.name)) throw new Error(`${where}: samples of ${family.name} are not together`);
      if (current !== undefined) closed.add(current.name);
      current = family;
    }
    const value = parseValue(valueText, where);
    if (family.type === 'counter' && !(value >= 0)) throw new Error(`${where}: counter ${name} is ${value}`);
    family.samples.push({ name, labels: parseLabels(labelText, where), value });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The value of the one unlabelled sample `name` (or with `labels`); throws if there is not exactly one. */
export function sampleValue(families: ReadonlyMap<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const all = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (all.length !== 1) throw new Error(`expected one sample ${name}, found ${all.length}`);
  return all[0]!.value;
}
