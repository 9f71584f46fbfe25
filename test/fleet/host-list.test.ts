import { describe, expect, it } from 'vitest';
import { parseHosts } from '../../src/fleet/host-list.js';

describe('parseHosts', () => {
  it('gives each host its login and count, the run’s count where none is given', () => {
    expect(parseHosts('root@10.0.0.2,h2:4, deploy@box-3.example.com:1', 2)).toEqual([
      { destination: 'root@10.0.0.2', host: '10.0.0.2', count: 2 },
      { destination: 'h2', host: 'h2', count: 4 },
      { destination: 'deploy@box-3.example.com', host: 'box-3.example.com', count: 1 },
    ]);
  });

  it('takes IPv6 addresses in brackets, with or without a count', () => {
    expect(parseHosts('[fd00::2],me@[fd00::3]:3', 1)).toEqual([
      { destination: 'fd00::2', host: 'fd00::2', count: 1 },
      { destination: 'me@fd00::3', host: 'fd00::3', count: 3 },
    ]);
  });

  it.each([
    ['h1,,h2', '``'],
    ['h1:0', '`h1:0`'],
    ['h1:x', '`h1:x`'],
    ['a@@b', '`a@@b`'],
    ['-oProxyCommand=evil', '`-oProxyCommand=evil`'],
    ['-oProxyCommand=x@h', '`-oProxyCommand=x@h`'],
    ['h1 h2', '`h1 h2`'],
    ['fd00::2', '`fd00::2`'],
  ])('refuses %s with one line naming the entry', (list, named) => {
    expect(() => parseHosts(list, 1)).toThrow(named);
    expect(() => parseHosts(list, 1)).toThrow(/^Expected/);
  });

  it('refuses a host named twice', () => {
    expect(() => parseHosts('root@h1,root@h1:2', 1)).toThrow('`--hosts` names `root@h1` twice: give it one entry, with :count for more slaves');
  });
});
