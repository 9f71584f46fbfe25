import { Packr } from 'msgpackr';
import type { Message } from './messages.js';

/**
 * Records keep object batches compact and fast to decode, and let Maps stay Maps; every
 * message carries its own record definitions, so no state is shared between peers.
 */
const packr = new Packr({ useRecords: true, mapsAsObjects: false, moreTypes: true });

/** Encodes any structured value (a job, a result, a cursor) the way the wire does. */
export function pack(value: unknown): Buffer {
  return packr.pack(value);
}

/** Decodes bytes from `pack`; throws on malformed input. */
export function unpack(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

/** The two frames of a message: the command word and the msgpack payload. */
export function encodeMessage(message: Message): [Buffer, Buffer] {
  const { command, ...payload } = message;
  return [Buffer.from(command, 'ascii'), pack(payload)];
}
