/** The chaos run's report in words: seed, faults, re-runs against their bound, wall time. */
import type { ChaosReport } from './driver.js';
import type { InjectedFault } from './faults.js';

/** The line that opens a run: everything needed to replay it. */
export function headerLine({ options: o }: Pick<ChaosReport, 'options'>): string {
  return (
    `chaos: seed ${o.seed}; ${o.jobs} jobs, ${o.slaves} slaves (1 thread × ${o.concurrency}, max credit ${o.maxCredit}), ${o.faults} faults; ` +
    `job ${o.asyncMs > 0 ? `awaits ${o.asyncMs} ms (every tenth ${5 * o.asyncMs} ms)` : `spin ${o.spinUs} µs`}, lease ${o.lease} ms, checkpoint every ${o.checkpointInterval} ms`
  );
}

/** Counts of each kind of fault, e.g. `kill-master ×3, stop-slave ×2`. */
export function faultCounts({ faults }: Pick<ChaosReport, 'faults'>): string {
  const counts = new Map<string, number>();
  for (const f of faults) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} ×${n}`).join(', ');
}

/** The closing lines: what the record and the state say, and whether the run passed. */
export function resultLines(report: ChaosReport): string[] {
  const { verdict: v, options } = report;
  const lines = [`chaos: seed ${options.seed}: ${report.faults.length} faults (${faultCounts(report)}); wall ${(report.wallMs / 1000).toFixed(1)} s`];
  if (v !== undefined) {
    lines.push(
      `chaos: ${v.missing} of ${options.jobs} jobs missing; ${v.extraRuns} re-runs (${v.reran} jobs ran more than once, at most ${v.maxRuns} times) ` +
        `against a bound of ${report.bound}; ${v.heardAgain} runs of jobs already recorded done; ` +
        `state: finished ${v.state.finished}, watermark ${v.state.watermark}, ${v.state.doneAbove} done-above ranges, ${v.state.failed} failed`,
    );
  }
  lines.push(report.problems.length === 0 ? 'chaos: PASS' : `chaos: FAIL\n${report.problems.map((p) => `  - ${p.replaceAll('\n', '\n    ')}`).join('\n')}`);
  return lines;
}

/** The whole report, fault by fault. */
export function formatReport(report: ChaosReport): string {
  return [headerLine(report), ...report.faults.map(faultLine), ...resultLines(report)].join('\n');
}

/** One line for a fault, as it happens. */
export function faultLine(f: InjectedFault): string {
  const at = `+${(f.atMs / 1000).toFixed(1)}s`.padStart(8);
  return `  #${String(f.index).padEnd(3)}${at}  ${String(f.atLines).padStart(8)} runs  ${f.kind.padEnd(11)} ${f.target.padEnd(26)} bound ${String(f.bound).padStart(5)}  recovered in ${(f.recoveryMs / 1000).toFixed(1)}s: ${f.note}`;
}
