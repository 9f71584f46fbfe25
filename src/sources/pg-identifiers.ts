/**
 * PostgreSQL identifiers as the `pg` source's args name them, and quoted for SQL. A name is taken
 * as written, case and all (`Users` is the table "Users", not users); `"…"` quotes a name that
 * holds the separator (`"a,b"`, `"my.table"`), with `""` for a quote inside. Every identifier
 * reaches SQL double-quoted, never spliced as it came.
 */

/** Splits `text` at `separator` into identifiers (bare ones trimmed), or returns why it cannot. */
export function parseIdentifiers(text: string, separator: ',' | '.'): string[] | string {
  const names: string[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ') i++;
    let name: string;
    if (text[i] === '"') {
      let end = i + 1;
      name = '';
      for (;;) {
        const close = text.indexOf('"', end);
        if (close === -1) return `an unterminated "quoted" name at character ${i + 1}`;
        name += text.slice(end, close);
        if (text[close + 1] !== '"') {
          i = close + 1;
          break;
        }
        name += '"';
        end = close + 2;
      }
      while (text[i] === ' ') i++;
      if (i < text.length && text[i] !== separator) return `\`${text[i]}\` after the quoted name "${name}" at character ${i + 1}`;
    } else {
      const end = text.indexOf(separator, i);
      name = text.slice(i, end === -1 ? undefined : end).trim();
      i = end === -1 ? text.length : end;
    }
    if (name === '') return 'an empty name';
    if (name.includes('\0')) return 'a name with a NUL character';
    names.push(name);
    if (i >= text.length) return names;
    i++; // the separator
  }
}

/** `name` as a quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
