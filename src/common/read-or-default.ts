/**
 * Reading a file whose absence has a meaning: no state yet, no lock, no dead letters, an output
 * file not written yet. One place for the try/catch, so each reader says only what a missing file
 * means and how it names the file in a message.
 */
import { readFileSync } from 'node:fs';
import { StateError } from './errors.js';

/**
 * The text of the file at `path`, or `fallback` when there is none; `read` reads something else
 * of it instead (its stat, a folder's entries). Any other failure (a folder, no permission, a path
 * through a file) is a StateError `could not read <what> <path>: <why>`.
 *
 * @example readOrDefault(lockPath, undefined, 'lock') // undefined when no master holds it
 */
export function readOrDefault<T>(path: string, fallback: T, what: string): string | T;
export function readOrDefault<T, R>(path: string, fallback: T, what: string, read: (path: string) => R): R | T;
export function readOrDefault<T, R>(path: string, fallback: T, what: string, read?: (path: string) => R): R | string | T {
  return attempt<R | string, T>(path, read ?? text, (error) => {
    if (error.code === 'ENOENT') return fallback;
    throw new StateError(`could not read ${what} ${path}: ${error.message}`, { cause: error });
  });
}

/** The text of the file at `path`; when reading it fails, what `onError` returns (or throws) for the error instead. */
export function readTextOr<T>(path: string, onError: (error: NodeJS.ErrnoException) => T): string | T {
  return attempt(path, text, onError);
}

function text(path: string): string {
  return readFileSync(path, 'utf8');
}

function attempt<R, T>(path: string, read: (path: string) => R, onError: (error: NodeJS.ErrnoException) => T): R | T {
  try {
    return read(path);
  } catch (error) {
    return onError(error as NodeJS.ErrnoException);
  }
}
