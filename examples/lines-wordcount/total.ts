/**
 * The final count of examples/lines-wordcount: reads the run's --results file (one
 * `{"seq","job","result"}` line per line of the input) and prints how many lines and words it
 * holds. The lines come in the order the master recorded them, not in seq order: a sum does not care.
 *
 *   npx tsx examples/lines-wordcount/total.ts counts.jsonl
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** Lines and words in the results file at `file`. */
async function total(file: string): Promise<{ lines: number; words: number }> {
  let lines = 0;
  let words = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (text === '') continue;
    const { result } = JSON.parse(text) as { result: number };
    lines++;
    words += result;
  }
  return { lines, words };
}

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: total.ts RESULTS.jsonl\n');
  process.exitCode = 2;
} else {
  // No top-level await: run as a project's CommonJS .ts, as `npx tsx` may.
  void total(file).then(({ lines, words }) => process.stdout.write(`${lines} lines, ${words} words\n`));
}
