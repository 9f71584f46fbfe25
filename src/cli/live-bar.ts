import cliProgress from 'cli-progress';

/** Clears the row the cursor is on, from its first column. */
const CLEAR_ROW = '\r\x1b[2K';
/** Moves up a row and clears it. */
const UP_AND_CLEAR = '\x1b[1A\x1b[2K';
/** Columns left free at the end of the line: the cursor, and a `^C` echoed there. */
const MARGIN = 3;
/** Redraws a second: cli-progress draws on its own timer, and log lines wait for its next tick. */
const FPS = 10;

/**
 * The progress bar at the foot of a terminal, drawn by cli-progress: one `MultiBar` holding one
 * bar, with whole lines printed above it through `log()`. cli-progress alone leaves a terminal
 * scrambled in ways each setting below works around; each has a tmux test that fails without it
 * (test/cli/progress-display.test.ts).
 *
 * @example
 * const bar = new LiveBar(process.stderr, (width) => 'x'.repeat(width));
 * bar.log('a log line\n');
 * bar.end();
 */
export class LiveBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #bars: cliProgress.MultiBar;
  /** What the format function returned last, so what the bar's row shows (forceRedraw draws each). */
  #shown = '';
  /** The terminal's columns when `#shown` was drawn. */
  #drawnAt = 0;
  #ended = false;

  /** `render(width)` returns the line in at most `width` columns. */
  constructor(stream: NodeJS.WriteStream, render: (width: number) => string) {
    this.#stream = stream;
    this.#bars = new cliProgress.MultiBar({
      stream,
      fps: FPS,
      // Fitted to the width at each draw, so the line never wraps, also after a resize.
      format: (_options, params) => {
        this.#drawnAt = params.maxWidth;
        return (this.#shown = render(Math.max(1, params.maxWidth - MARGIN)));
      },
      // Its default turns the terminal's line wrap off until stop(): log lines longer than the
      // terminal would be cut, and a process that dies with the bar up leaves wrap off.
      linewrap: true,
      // A log line clears the bar's row; an unchanged bar would then not be drawn again.
      forceRedraw: true,
      // Ours take SIGINT/SIGTERM. Its handlers would stop the bar at once, before the run has
      // stopped: the bar, and every log line (the stop's own), frozen until the run ends.
      gracefulExit: false,
      // A hidden cursor, like wrap turned off, outlives a process that dies with the bar up.
      hideCursor: false,
    });
    this.#bars.on('update-pre', () => this.#refit());
    this.#bars.create(0, 0);
  }

  /** Prints `text` (whole lines) above the bar, at the next redraw. */
  log(text: string): void {
    const lines = text.endsWith('\n') ? text : `${text}\n`;
    if (this.#ended) this.#stream.write(lines);
    else this.#bars.log(lines);
  }

  /**
   * Draws the final frame once and moves to the next row, where whatever follows is printed. The
   * `update()` first prints the log lines still buffered, which `stop()` alone drops
   * (npkgz/cli-progress#145); the guard, because each `stop()` draws a frame and a newline more.
   */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#bars.update();
    this.#bars.stop();
  }

  /**
   * Before each draw, fits the bar to a resized terminal. A terminal that rewraps on resize (tmux,
   * VTE, iTerm2, kitty) has spread a line wider than the new width over several rows, the cursor on
   * the last, and cli-progress clears only that one: clear them all. The size is asked of the
   * terminal here (`_refreshSize`, Node's own refresh of `columns`, internal: without it, SIGWINCH
   * alone), as Node learns of a resize only a turn of the event loop later, and a draw at the old
   * width in that turn would wrap and leave the top row of the old line behind.
   */
  #refit(): void {
    (this.#stream as { _refreshSize?: () => void })._refreshSize?.();
    const columns = this.#columns();
    if (this.#shown === '' || columns === this.#drawnAt) return;
    // Row by row, bottom up: clearing to the end of the screen from its top-left corner would push
    // the screen into the scrollback instead (tmux's scroll-on-clear), the old line with it.
    const rows = Math.ceil(this.#shown.length / columns);
    this.#stream.write(`${CLEAR_ROW}${UP_AND_CLEAR.repeat(rows - 1)}`);
    this.#shown = '';
  }

  #columns(): number {
    return this.#stream.columns > 0 ? this.#stream.columns : 80;
  }
}
