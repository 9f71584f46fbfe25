import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveBar } from '../../src/cli/live-bar.js';

/**
 * LiveBar's writes, one cli-progress redraw (100 ms, fake timers) at a time. The tmux tests in
 * progress-display.test.ts show what a terminal makes of them; these pin down each workaround.
 */

/** A terminal stand-in that keeps each write. */
function fakeStream(columns: number): { stream: NodeJS.WriteStream; writes: string[]; columns: number } {
  const fake = {
    writes: [] as string[],
    columns,
    stream: undefined as unknown as NodeJS.WriteStream,
  };
  fake.stream = {
    isTTY: true,
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

/** One redraw of cli-progress's timer. */
const tick = (): void => void vi.advanceTimersByTime(100);

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('LiveBar', () => {
  it('renders for 3 columns less than the terminal has, so an echoed ^C stays on its row', () => {
    const term = fakeStream(50);
    const widths: number[] = [];
    const bar = new LiveBar(term.stream, (width) => (widths.push(width), 'bar'));
    tick();
    bar.end();
    expect(new Set(widths)).toEqual(new Set([47]));
  });

  it('prints a line logged just before the end above the final frame (npkgz/cli-progress#145)', () => {
    const term = fakeStream(80);
    const bar = new LiveBar(term.stream, () => 'bar');
    tick();
    bar.log('[master] last words\n');
    bar.end();
    const out = term.writes.join('');
    expect(out).toContain('[master] last words\n');
    expect(out.lastIndexOf('bar')).toBeGreaterThan(out.indexOf('[master] last words\n'));
    expect(out.endsWith('\n')).toBe(true);
  });

  it('draws an unchanged bar again below the log lines that cleared its row', () => {
    const term = fakeStream(80);
    const bar = new LiveBar(term.stream, () => 'bar');
    tick();
    const before = term.writes.length;
    bar.log('[slave 1] no newline');
    tick();
    const out = term.writes.slice(before).join('');
    expect(out).toMatch(/\[slave 1\] no newline\n.*bar/s);
    bar.end();
  });

  it('ends once: a second end draws no second frame, and lines after it are plain', () => {
    const term = fakeStream(80);
    const bar = new LiveBar(term.stream, () => 'bar');
    tick();
    bar.end();
    const ended = term.writes.length;
    bar.end();
    tick();
    expect(term.writes).toHaveLength(ended);
    bar.log('later');
    expect(term.writes.slice(ended)).toEqual(['later\n']);
  });

  it('leaves the terminal’s line wrap, its cursor and the stop signals alone', () => {
    const term = fakeStream(80);
    const signals = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const bar = new LiveBar(term.stream, () => 'bar');
    tick();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(signals);
    bar.end();
    const out = term.writes.join('');
    for (const mode of ['\x1b[?7l', '\x1b[?7h', '\x1b[?25l', '\x1b[?25h']) expect(out).not.toContain(mode);
  });

  it('clears, row by row, every row a narrowed terminal rewrapped the old bar onto, then draws it narrower', () => {
    const term = fakeStream(100);
    const bar = new LiveBar(term.stream, (width) => 'x'.repeat(width));
    tick();
    term.columns = 40;
    const before = term.writes.length;
    tick();
    // 97 columns at a width of 40 take 3 rows: clear this one, then up and clear twice.
    const out = term.writes.slice(before).join('');
    expect(out.startsWith(`\r\x1b[2K${'\x1b[1A\x1b[2K'.repeat(2)}`)).toBe(true);
    expect(out).toContain(`${'x'.repeat(37)}\x1b[0K`);
    expect(out).not.toContain('x'.repeat(38));
    bar.end();
  });
});
