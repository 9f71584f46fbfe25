/** A flag's cost: the same run with it and without it, alternating in one invocation, as medians. */
import { measure, type Measure, type Topology } from './measure.js';
import { describeRun, medians, type Medians, type Settings } from './report.js';

/** `settings.runs` runs of `withIt` and of `without`, alternating, logged as `<name> i/n with <flag>` and `… <baseline>`. */
export async function withAndWithout(settings: Settings, name: string, flag: string, baseline: string, withIt: Topology, without: Topology): Promise<{ e: Medians; b: Medians }> {
  const on: Measure[] = [];
  const off: Measure[] = [];
  for (let i = 1; i <= settings.runs; i++) {
    on.push(await measure(withIt));
    settings.log(describeRun(`${name} ${i}/${settings.runs} with ${flag}`, on.at(-1)!));
    off.push(await measure(without));
    settings.log(describeRun(`${name} ${i}/${settings.runs} ${baseline}`, off.at(-1)!));
  }
  return { e: medians(on), b: medians(off) };
}
