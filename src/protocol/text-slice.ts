/**
 * One line of a DONE's `resultLines`: the UTF-8 JSON text of one job's result, where it lies in
 * the bytes that came. A plain object per job, not a Buffer view, which costs several times more
 * to make; the master copies the bytes into the results file's lines and never decodes them.
 */
export class TextSlice {
  constructor(
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
  ) {}
}
