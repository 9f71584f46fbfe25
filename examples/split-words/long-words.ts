// examples/split-words/long-words.ts: stage 2, a job per line of stage 1's long.jsonl, a result each
export function handleJob(word: string) {
  return { word, letters: word.length, vowels: word.replace(/[^aeiouy]/g, '').length };
}
