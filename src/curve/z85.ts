/** Z85 (ZeroMQ RFC 32): the text form of CURVE keys, 5 characters for every 4 bytes. */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const VALUE = new Map([...ALPHABET].map((char, i) => [char, i]));

/** Encodes bytes whose length is a multiple of 4. */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`Z85 encodes whole 4-byte words, got ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text = '';
  for (let at = 0; at < bytes.length; at += 4) {
    let word = view.getUint32(at);
    let chunk = '';
    for (let i = 0; i < 5; i++) {
      chunk = ALPHABET[word % 85]! + chunk;
      word = Math.floor(word / 85);
    }
    text += chunk;
  }
  return text;
}

/** Decodes Z85 text, or returns undefined when it is not Z85 (a length not a multiple of 5, a foreign character, a word past 2^32). */
export function z85Decode(text: string): Buffer | undefined {
  if (text.length % 5 !== 0) return undefined;
  const bytes = Buffer.alloc((text.length / 5) * 4);
  for (let at = 0; at < text.length; at += 5) {
    let word = 0;
    for (let i = 0; i < 5; i++) {
      const value = VALUE.get(text[at + i]!);
      if (value === undefined) return undefined;
      word = word * 85 + value;
    }
    if (word > 0xffff_ffff) return undefined;
    bytes.writeUInt32BE(word, (at / 5) * 4);
  }
  return bytes;
}
