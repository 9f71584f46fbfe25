/** A count and its noun, agreeing: `1 attempt`, `2 attempts`, `0 jobs`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
