/** What failed on a host, as one line: from the exit of its ssh and the last line it said. */

/** ssh's own exit code for an error of its own (it cannot connect, authenticate, or lost the link). */
export const SSH_ERROR = 255;
/** A shell's exit code for a command it cannot find. */
export const NOT_FOUND = 127;

/** npx's words when the package is not installed (with --no-install it fetches nothing), and a shell's for a missing command. */
const NPX_MISSING = /could not determine executable to run|npm error 404 Not Found|not found|No such file/i;

/** The line of what a host said that best tells why it failed: one that names what is missing, else the last. */
export function tellingLine(lines: readonly string[]): string | undefined {
  return lines.find((line) => NPX_MISSING.test(line)) ?? lines.at(-1);
}

/**
 * Why a host's ssh ended the way it did, for one line after `host: `; undefined for an end that
 * is no failure (exit 0, or the stop we asked for). `lastLine` is the last thing it said.
 */
export function hostFailure(code: number | null, signal: NodeJS.Signals | null, lastLine: string | undefined, command: string): string | undefined {
  const said = lastLine === undefined || lastLine.trim() === '' ? '' : `: ${lastLine.trim()}`;
  if (code === SSH_ERROR) return `cannot be reached over ssh (exit 255)${said}`;
  if (code === NOT_FOUND || (code !== 0 && lastLine !== undefined && NPX_MISSING.test(lastLine))) {
    return `lacks \`${command}\` (exit ${code}: node or the package is not installed there, or not on the login's PATH)${said}`;
  }
  if (code === 3) return `its slaves gave up: no master answered for --host-give-up-after ms (exit 3)`;
  if (code === 0 || code === 130 || code === 143) return undefined;
  return `its slave side exited ${signal ?? `with code ${code}`}${said}`;
}
