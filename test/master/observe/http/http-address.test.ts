import { describe, expect, it } from 'vitest';
import { httpUrl, isLoopbackHost, parseHttpAddress } from '../../../../src/master/observe/http/http-address.js';

describe('parseHttpAddress', () => {
  it.each([
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0, loopback: true }],
    ['localhost:8080', { host: 'localhost', port: 8080, loopback: true }],
    ['[::1]:9000', { host: '::1', port: 9000, loopback: true }],
    ['0.0.0.0:8080', { host: '0.0.0.0', port: 8080, loopback: false }],
    ['10.1.2.3:80', { host: '10.1.2.3', port: 80, loopback: false }],
    ['[::]:8080', { host: '::', port: 8080, loopback: false }],
    ['my-host.example:8080', { host: 'my-host.example', port: 8080, loopback: false }],
  ])('reads %s', (text, expected) => {
    expect(parseHttpAddress(text)).toEqual(expected);
  });

  it.each(['8080', ':8080', 'localhost', '127.0.0.1:65536', 'http://127.0.0.1:80', '::1:80', '[127.0.0.1]:80', 'a b:80', '-x:80'])('refuses %s, naming it', (text) => {
    expect(() => parseHttpAddress(text)).toThrow(`Expected \`--http\` to be HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080; port 0 picks a free one), got \`${text}\``);
  });

  it('writes the URL to open: IPv6 in brackets', () => {
    expect(httpUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080/');
    expect(httpUrl('::1', 8080)).toBe('http://[::1]:8080/');
  });
});

describe('isLoopbackHost', () => {
  it('takes the Host headers of loopback URLs only', () => {
    for (const host of ['127.0.0.1:8080', 'localhost:1', 'LOCALHOST', '[::1]:9000', '127.1.2.3:80']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [undefined, '', 'evil.example:8080', '127.0.0.1.evil.example:80', '10.0.0.1:80', '[::2]:80', 'localhost:80:80']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
