// examples/lines-wordcount/count.ts: a job of the `lines` source in, the number of its words out
/** A job of the `lines` source: a line's number in the file and its text. */
export function handleJob({ text }: { line: number; text: string }): number {
  return text.split(/[^\p{L}\p{N}'-]+/u).filter((word) => word !== '').length;
}
