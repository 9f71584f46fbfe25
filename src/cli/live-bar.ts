/** Clears the row the cursor is on, whatever column it is at. */
const CLEAR_ROW = '\r\x1b[2K';
/** Clears from the cursor to the end of its row. */
const CLEAR_RIGHT = '\x1b[K';
/** Columns left free at the end of the line: the cursor, and a `^C` echoed there. */
const MARGIN = 3;

/**
 * One line at the foot of a terminal, redrawn in place with `\r`, with whole lines printed above
 * it (clear the row, print the lines, draw again), as npm and docker do. It never saves or
 * restores the cursor and never turns line wrap off, so output that scrolls past it stays intact.
 *
 * @example
 * const line = new LiveLine(process.stderr, (width) => 'x'.repeat(width));
 * line.draw();
 * line.log('a log line\n');
 * line.end();
 */
export class LiveLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #render: (width: number) => string;
  /** What the line's row shows now; '' when nothing is drawn. */
  #shown = '';
  #ended = false;

  /** `render(width)` returns the line in at most `width` columns. */
  constructor(stream: NodeJS.WriteStream, render: (width: number) => string) {
    this.#stream = stream;
    this.#render = render;
  }

  /**
   * The columns the line may use: a few less than the terminal has, so that the `^C` the terminal
   * echoes after it stays on its row (and is cleared with it) instead of wrapping below it.
   */
  get width(): number {
    return Math.max(1, this.#columns() - MARGIN);
  }

  /** Draws the line again, if it changed. */
  draw(): void {
    if (this.#ended) return;
    const next = this.#render(this.width);
    if (next === this.#shown) return;
    this.#stream.write(`\r${next}${CLEAR_RIGHT}`);
    this.#shown = next;
  }

  /** Prints `text` (whole lines) above the line, in one write. */
  log(text: string): void {
    const lines = text.endsWith('\n') ? text : `${text}\n`;
    if (this.#ended) return void this.#stream.write(lines);
    const next = this.#render(this.width);
    this.#stream.write(`${CLEAR_ROW}${lines}${next}`);
    this.#shown = next;
  }

  /**
   * Fits the line to a resized terminal. A terminal that rewraps on resize (tmux, VTE, iTerm2,
   * kitty) has spread a line wider than the new width over several rows, the cursor on the last:
   * clear them all before drawing.
   */
  refit(): void {
    if (this.#ended || this.#shown === '') return this.draw();
    const rows = Math.ceil(this.#shown.length / this.#columns());
    this.#stream.write(`\r${rows > 1 ? `\x1b[${rows - 1}A` : ''}\x1b[J`);
    this.#shown = '';
    this.draw();
  }

  /** Draws the final state once and moves to the next row, where whatever follows is printed. */
  end(): void {
    if (this.#ended) return;
    this.draw();
    if (this.#shown !== '') this.#stream.write('\n');
    this.#ended = true;
  }

  #columns(): number {
    return this.#stream.columns > 0 ? this.#stream.columns : 80;
  }
}
