import { describe, expect, it } from 'vitest';
import { LiveLine } from '../../src/cli/live-line.js';

/** A terminal stand-in that keeps each write. */
function fakeStream(columns: number): { stream: NodeJS.WriteStream; writes: string[]; columns: number } {
  const fake = {
    writes: [] as string[],
    columns,
    stream: undefined as unknown as NodeJS.WriteStream,
  };
  fake.stream = {
    get columns() {
      return fake.columns;
    },
    write(chunk: string) {
      fake.writes.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return fake;
}

describe('LiveLine', () => {
  it('redraws in place with a carriage return, only when the line changed, 3 columns short of the width', () => {
    const term = fakeStream(50);
    let text = 'a';
    const widths: number[] = [];
    const line = new LiveLine(term.stream, (width) => (widths.push(width), text));
    line.draw();
    line.draw();
    text = 'b';
    line.draw();
    expect(term.writes).toEqual(['\ra\x1b[K', '\rb\x1b[K']);
    expect(new Set(widths)).toEqual(new Set([47]));
  });

  it('prints log lines above it in one write: clear the row, the lines, the line again', () => {
    const term = fakeStream(80);
    const line = new LiveLine(term.stream, () => 'bar');
    line.draw();
    line.log('[master] one\n');
    line.log('[slave 1] two, no newline');
    expect(term.writes).toEqual(['\rbar\x1b[K', '\r\x1b[2K[master] one\nbar', '\r\x1b[2K[slave 1] two, no newline\nbar']);
  });

  it('clears every row a narrowed terminal rewrapped the old line onto before drawing it again', () => {
    const term = fakeStream(100);
    const line = new LiveLine(term.stream, (width) => 'x'.repeat(width));
    line.draw();
    term.columns = 40;
    line.refit();
    // 97 columns at a width of 40 take 3 rows: up 2, clear to the end of the screen.
    expect(term.writes.slice(1)).toEqual(['\r\x1b[2A\x1b[J', `\r${'x'.repeat(37)}\x1b[K`]);
    term.columns = 120;
    line.refit();
    expect(term.writes.slice(3)).toEqual(['\r\x1b[J', `\r${'x'.repeat(117)}\x1b[K`]);
  });

  it('ends with its final state and a newline, once; log lines after that are plain', () => {
    const term = fakeStream(80);
    let text = '50%';
    const line = new LiveLine(term.stream, () => text);
    line.draw();
    text = '100%';
    line.end();
    line.end();
    line.draw();
    line.log('later\n');
    expect(term.writes).toEqual(['\r50%\x1b[K', '\r100%\x1b[K', '\n', 'later\n']);
  });

  it('ends without a newline when nothing was ever drawn', () => {
    const term = fakeStream(80);
    new LiveLine(term.stream, () => '').end();
    expect(term.writes).toEqual([]);
  });
});
