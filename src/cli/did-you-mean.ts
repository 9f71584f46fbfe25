/** "did you mean --size?" for a mistyped flag: the nearest known flag by edit distance. */

/** The known flag nearest to `name`, when it is near enough to be what was meant. */
export function nearestFlag(name: string, known: readonly string[]): string | undefined {
  const typed = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(typed.length / 3)) + 1;
  for (const flag of known) {
    const distance = editDistance(typed, flag.toLowerCase());
    // Never a guess that changes the whole word, as `-x` for `-h` would be.
    if (distance < bestDistance && distance < typed.length) [best, bestDistance] = [flag, distance];
  }
  return best;
}

/**
 * yargs' "Unknown argument(s): a, b" with each name once (it lists `max-credit` and `maxCredit`),
 * and "; did you mean --x?" for those near a known flag. Other messages are returned as they are.
 */
export function withSuggestions(message: string, known: readonly string[]): string {
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (match === null) return message;
  const listed = match[1]!.split(', ');
  const names = listed.filter((name) => !/[A-Z]/.test(name) || !listed.includes(kebab(name)));
  const suggestions = [...new Set(names.flatMap((name) => nearestFlag(name, known) ?? []))];
  const unknown = `Unknown argument${names.length === 1 ? '' : 's'}: ${names.join(', ')}`;
  return suggestions.length === 0 ? unknown : `${unknown}; did you mean ${suggestions.map((flag) => `--${flag}`).join(' or ')}?`;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours each cost 1. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
