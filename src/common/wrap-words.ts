/**
 * Log lines fitted to a terminal: a line wider than it breaks at the last space that fits, its
 * next rows indented, so a path or a word is never cut in two by the terminal's own wrap (only
 * a word wider than the terminal itself is).
 */

/** Indent of a wrapped line's next rows. */
const INDENT = '  ';

/** `text` (lines, each ending in a newline or not) with each line wider than `width` broken between words. */
export function wrapWords(text: string, width: number): string {
  if (!(width > INDENT.length + 10)) return text;
  return text
    .split('\n')
    .map((line) => wrapLine(line, width))
    .join('\n');
}

function wrapLine(line: string, width: number): string {
  const rows: string[] = [];
  let [body, room, indent] = [line, width, ''];
  while (body.length > room) {
    const space = body.lastIndexOf(' ', room);
    // No space to break at: a word wider than the row is cut where the row ends.
    const at = space > 0 ? space : room;
    rows.push(indent + body.slice(0, at));
    body = body.slice(at).trimStart();
    [room, indent] = [width - INDENT.length, INDENT];
  }
  rows.push(indent + body);
  return rows.join('\n');
}
