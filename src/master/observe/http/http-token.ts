/**
 * The token a dashboard on a non-loopback address asks for (the convention of Jupyter): a new
 * one each start, printed in the URL, or the one in `--http-token-file`. A request carries it as
 * `?token=` (the URL as printed), as `Authorization: Bearer` (Prometheus' `authorization`
 * setting), or as the cookie the page gets on its first load, which its EventSource and fetches
 * then send by themselves. The cookie's name holds the port: browsers share cookies across the
 * ports of one host.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { UsageError } from '../../../common/errors.js';

/** A fresh token: 24 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token in `file`: its text, surrounding whitespace trimmed; a missing, empty or odd file is a usage error. */
export function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`cannot read --http-token-file ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (text.length < 16 || !/^[\x21-\x7e]+$/.test(text)) {
    throw new UsageError(`--http-token-file ${file} must hold one token of at least 16 printable characters, no spaces (e.g. \`openssl rand -hex 24 > ${file}\`)`);
  }
  return text;
}

/** The cookie that carries the token for the dashboard on `port`. */
export function tokenCookie(port: number): string {
  return `tm_token_${port}`;
}

/** The token a request carries, by query, header or cookie; undefined when none. */
export function requestToken(request: IncomingMessage, url: URL, port: number): string | undefined {
  const query = url.searchParams.get('token');
  if (query !== null) return query;
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (bearer !== null) return bearer[1];
  const name = tokenCookie(port);
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [key, value] = pair.trim().split('=', 2);
    if (key === name && value !== undefined) return safeDecode(value);
  }
  return undefined;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Whether `given` is `expected`, in time that does not depend on where they differ. */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
