/**
 * Where a run's output goes (`--results FILE`, `--channels DIR`), and whether those files agree with
 * its state before anything is written: the checks `Checkpoint.open` runs (see `OutputCheck`).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StateError, UsageError } from '../../common/errors.js';
import { readOrDefault } from '../../common/read-or-default.js';
import { whyBadChannelName } from '../../protocol/channel-name.js';
import type { OutputCheck, Outputs, RecoveredState } from '../state/checkpoint.js';
import { holds, sizeOf } from './jsonl-file.js';

/** A channel file's name ends so; the channel's name is what comes before. */
const CHANNEL_EXTENSION = '.jsonl';

/** A run's output files, by path (each absolute or relative to the process's directory). */
export class OutputFiles implements OutputCheck {
  readonly results: string | undefined;
  readonly channels: string | undefined;
  readonly #statePath: string;
  readonly #reset: boolean;

  constructor(results: string | undefined, channels: string | undefined, statePath: string, reset: boolean) {
    this.results = results;
    this.channels = channels;
    this.#statePath = statePath;
    this.#reset = reset;
  }

  /** `<DIR>/<name>.jsonl`. */
  channelPath(name: string): string {
    return join(this.channels!, `${name}${CHANNEL_EXTENSION}`);
  }

  /** The channels of the files in DIR, by the name their file gives them (other files are not ours). */
  channelsOnDisk(): string[] {
    const names = readOrDefault(this.channels!, [], 'channels directory', (dir) => readdirSync(dir));
    return names.filter((file) => file.endsWith(CHANNEL_EXTENSION)).map((file) => file.slice(0, -CHANNEL_EXTENSION.length)).filter((name) => whyBadChannelName(name) === undefined);
  }

  fits = (outputs: Outputs): boolean => {
    if (this.results !== undefined && outputs.results !== undefined && !holds(this.results, outputs.results)) return false;
    if (this.channels === undefined) return true;
    return Object.entries(outputs.channels ?? {}).every(([name, bytes]) => holds(this.channelPath(name), bytes));
  };

  start(state: RecoveredState | undefined): Outputs | undefined {
    const recorded = state?.outputs;
    const finished = state === undefined ? 0 : state.ledger.watermark + state.ledger.doneAbove.reduce((n, r) => n + r.end - r.start + 1, 0);
    const results = this.#startResults(recorded?.results, finished);
    const channels = this.#startChannels(recorded?.channels, finished);
    if (results === undefined && channels === undefined) return undefined;
    return { ...(results === undefined ? {} : { results }), ...(channels === undefined ? {} : { channels }) };
  }

  #startResults(recorded: number | undefined, finished: number): number | undefined {
    const file = this.results;
    if (file === undefined) {
      if (recorded !== undefined) throw new UsageError(`state file ${this.#statePath} writes results (${recorded} bytes so far): pass --results FILE again to resume it, or --reset to start over`);
      return undefined;
    }
    if (recorded === undefined) {
      this.#fresh('--results', finished);
      const size = sizeOf(file);
      if (size > 0 && !this.#reset) throw new UsageError(`results file ${file} already holds ${size} bytes, and this run writes it from the start: move it away, or pass --reset to empty it`);
      return 0;
    }
    if (!holds(file, recorded)) throw this.#cutShort(`results file ${file}`, sizeOf(file), recorded);
    return recorded;
  }

  #startChannels(recorded: Readonly<Record<string, number>> | undefined, finished: number): Readonly<Record<string, number>> | undefined {
    if (this.channels === undefined) {
      if (recorded !== undefined) throw new UsageError(`state file ${this.#statePath} writes channels (${Object.keys(recorded).join(', ') || 'none yet'}): pass --channels DIR again to resume it, or --reset to start over`);
      return undefined;
    }
    if (recorded === undefined) {
      this.#fresh('--channels', finished);
      const full = this.channelsOnDisk().find((name) => sizeOf(this.channelPath(name)) > 0);
      if (full !== undefined && !this.#reset) {
        throw new UsageError(`channel file ${this.channelPath(full)} already holds ${sizeOf(this.channelPath(full))} bytes, and this run writes its channels from the start: move it away, or pass --reset to empty the .jsonl files of ${this.channels}`);
      }
      return {};
    }
    for (const [name, bytes] of Object.entries(recorded)) {
      const path = this.channelPath(name);
      if (!holds(path, bytes)) throw this.#cutShort(`channel file ${path}`, sizeOf(path), bytes);
    }
    return recorded;
  }

  /** A state with finished jobs and no record of this output wrote none for them: refused, not silently incomplete. */
  #fresh(flag: string, finished: number): void {
    if (finished === 0) return;
    throw new UsageError(`state file ${this.#statePath} has ${finished} finished jobs but was run without ${flag}, so their output was never written: resume without ${flag}, or pass --reset to run it all again with it`);
  }

  #cutShort(what: string, size: number, bytes: number): StateError {
    return new StateError(
      `${what} holds ${size} bytes, but state file ${this.#statePath} counts ${bytes} bytes of finished jobs' output in it (ending in a newline): it was cut short, changed or replaced; nothing was changed. Restore it, or pass --reset to start over`,
    );
  }
}
