/** A handler's failure as a thread sends it: a `WireError`, plain strings that always clone. */
import type { WireError } from './messages.js';

/** What a handler threw: an Error's name, message and stack; anything else as a string. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { message: stringify(error) };
  return { message: String(error.message), name: String(error.name), ...(typeof error.stack === 'string' && { stack: error.stack }) };
}

/** The failure of a job whose handler `fn` returned what no message can carry (`problem`, from `whyCannotTravel`). */
export function unsendable(fn: string, problem: string): WireError {
  return { message: `${fn} returned a result that cannot be sent back: ${problem}`, name: 'TypeError' };
}

/** Any value as a string, even one `String` throws on. */
export function stringify(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value); // e.g. an object without a prototype
  }
}
