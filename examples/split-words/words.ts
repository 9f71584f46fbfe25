// examples/split-words/words.ts: stage 1, a line in, its words out to three channels
import { channels } from 'taskmaster-ts';

/** A job of the `lines` source: a line's number and its text. */
export function handleJob({ text }: { line: number; text: string }) {
  const words = text.split(/[^\p{L}\p{N}'-]+/u).filter((word) => word !== '');
  return channels(
    words.flatMap((word) => [
      ['words', word.toLowerCase()] as const,
      ['long', word.length >= 10 && word.toLowerCase()] as const, // false is a sink: nothing written
      ['numbers', /^\d+$/.test(word) ? Number(word) : null] as const, // and so is null
    ]),
  );
}
