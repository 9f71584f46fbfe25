/**
 * The run's output, written as DONE reports are recorded: a `{"seq","job","result"}` line per
 * result to `--results`, and each channel item as a line of `<--channels DIR>/<name>.jsonl`. The
 * lines of a report are written before its completions are logged, and the log line records the
 * files' lengths (see `Checkpoint.attach`), so a resume cuts whatever no finished job accounts for.
 */
import { mkdirSync } from 'node:fs';
import { isSink } from '../../task/channels.js';
import { StateError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import type { WantResults, WireError } from '../../protocol/messages.js';
import type { OutputRecorder, Outputs } from '../state/checkpoint.js';
import { ChannelOutput, nowhereToGo } from './channel-output.js';
import { jsonText } from '../../protocol/json-text.js';
import { JsonlWriter } from '../state/jsonl-writer.js';
import type { OutputFiles } from './output-files.js';

/** Most channels one run writes: each is an open file, and a length in every log line. */
export const MAX_CHANNELS = 256;

/** The open output files of a run. */
export class OutputSink implements OutputRecorder {
  readonly #files: OutputFiles;
  readonly #results: JsonlWriter | undefined;
  readonly #channels = new Map<string, JsonlWriter>();
  /** Results arrive as their JSON text (`wantResults: 'json'`): nothing in the master needs their values. */
  readonly #json: boolean;
  /** The seq a results line names: the run's own, also for a retry of its dead letters (see RunPlan.originOf). */
  readonly #originOf: (seq: number) => number;
  /** The lengths at `close`, each file synced. */
  #closedAt: Outputs | undefined;

  /** Opens the files of `files` at the lengths of `record` (what `files.start` said), cutting off what lies beyond, and says so. */
  static open(files: OutputFiles, record: Outputs, json: boolean, logger: Logger, originOf: (seq: number) => number = (seq) => seq): OutputSink {
    const sink = new OutputSink(files, record.results === undefined ? undefined : openAt(files.results!, record.results, 'results file', logger), json, originOf);
    try {
      if (files.channels !== undefined) {
        mkdirSync(files.channels, { recursive: true });
        const recorded = record.channels ?? {};
        for (const name of new Set([...Object.keys(recorded), ...files.channelsOnDisk()])) {
          sink.#channels.set(name, openAt(files.channelPath(name), recorded[name] ?? 0, 'channel file', logger));
        }
      }
    } catch (error) {
      sink.close();
      throw error instanceof StateError ? error : new StateError(`could not open channels directory ${files.channels}: ${(error as Error).message}`, { code: 'E_STATE_WRITE', cause: error });
    }
    return sink;
  }

  private constructor(files: OutputFiles, results: JsonlWriter | undefined, json: boolean, originOf: (seq: number) => number) {
    this.#files = files;
    this.#results = results;
    this.#json = json;
    this.#originOf = originOf;
  }

  /** Whether slaves must send their results back for the results file, and how. */
  get wantResults(): WantResults {
    return this.#results === undefined ? false : this.#json ? 'json' : true;
  }

  /**
   * Writes the output of a report's successes (job `i` failed when `failed(i)`); returns, by
   * index, the error of each job whose output it refuses (channel output without --channels, or
   * past MAX_CHANNELS): those fail as if their handler had thrown.
   */
  write(seqs: readonly number[], results: readonly unknown[] | undefined, failed: (i: number) => boolean, job: (seq: number) => unknown): Array<WireError | undefined> | undefined {
    if (results === undefined) return undefined;
    let errors: Array<WireError | undefined> | undefined;
    let lines = '';
    const items = new Map<JsonlWriter, string>();
    for (let i = 0; i < seqs.length; i++) {
      const result = results[i];
      if (result === undefined || failed(i)) continue;
      if (!(result instanceof ChannelOutput)) {
        if (this.#results === undefined) continue;
        const text = this.#json ? result : jsonText(result);
        // JSON text from a slave's thread: JSON.stringify never makes a raw newline, so one would break the file's lines.
        if (typeof text !== 'string' || text.includes('\n')) (errors ??= [])[i] = { message: 'the slave sent a result that is not JSON text', name: 'TypeError' };
        else lines += `{"seq":${this.#originOf(seqs[i]!)},"job":${jsonText(job(seqs[i]!))},"result":${text}}\n`;
        continue;
      }
      const refusal = this.#refusal(result);
      if (refusal !== undefined) {
        (errors ??= [])[i] = { message: refusal, name: 'ChannelOutputError' };
        continue;
      }
      for (const [name, data] of result.pairs) {
        if (isSink(data)) continue;
        const file = this.#channel(name);
        items.set(file, `${items.get(file) ?? ''}${jsonText(data)}\n`);
      }
    }
    if (lines !== '') this.#results!.append(lines);
    for (const [file, text] of items) file.append(text);
    return errors;
  }

  /** The files' lengths: what the state records. Still known once closed, for a retry that folds them into the run's state. */
  lengths(): Outputs {
    if (this.#closedAt !== undefined) return this.#closedAt;
    const channels = this.#files.channels === undefined ? undefined : Object.fromEntries([...this.#channels].map(([name, file]) => [name, file.bytes]));
    return { ...(this.#results === undefined ? {} : { results: this.#results.bytes }), ...(channels === undefined ? {} : { channels }) };
  }

  sync(): void {
    this.#results?.sync();
    for (const file of this.#channels.values()) file.sync();
  }

  close(): void {
    this.#closedAt ??= this.lengths();
    let first: unknown;
    for (const file of [...(this.#results ? [this.#results] : []), ...this.#channels.values()]) {
      try {
        file.close({ sync: true });
      } catch (error) {
        first ??= error;
      }
    }
    this.#channels.clear();
    if (first !== undefined) throw first;
  }

  /** Why a job's channel output cannot be written, or undefined. */
  #refusal(output: ChannelOutput): string | undefined {
    if (this.#files.channels === undefined) return nowhereToGo(output);
    const added = new Set(output.pairs.map(([name]) => name).filter((name) => !this.#channels.has(name)));
    if (this.#channels.size + added.size > MAX_CHANNELS) return `the handler's output would make ${this.#channels.size + added.size} channels, more than the ${MAX_CHANNELS} a run may write`;
    return undefined;
  }

  #channel(name: string): JsonlWriter {
    let file = this.#channels.get(name);
    if (file === undefined) {
      file = JsonlWriter.open(this.#files.channelPath(name), { cutTo: 0 }).file;
      this.#channels.set(name, file);
    }
    return file;
  }
}

/** Opens an output file at `bytes`, saying what was cut off it. */
function openAt(path: string, bytes: number, what: string, logger: Logger): JsonlWriter {
  const { file, cut } = JsonlWriter.open(path, { cutTo: bytes });
  if (cut > 0) {
    logger.warn(`cut ${cut} bytes off ${what} ${path} after the ${bytes} that finished jobs account for: output of jobs that never counted done (a master died before recording them, or --reset), which run again`);
  }
  return file;
}
