import { describe, expect, it } from 'vitest';
import { channels } from '../../src/task/channels.js';
import { whyBadChannelName } from '../../src/protocol/channel-name.js';
import { channelSlot, doneOutputs, drainChannels } from '../../src/slave/channel-slot.js';

describe('channel names', () => {
  it.each(['words', 'long_words', 'a.b-c', '2024', '_x', 'w'.repeat(100)])('take %s', (name) => expect(whyBadChannelName(name)).toBeUndefined());
  it.each([
    ['', /must not be empty/],
    ['../x', /is not allowed/],
    ['a/b', /is not allowed/],
    ['a\\b', /is not allowed/],
    ['a..b', /is not allowed/],
    ['.hidden', /is not allowed/],
    ['with space', /is not allowed/],
    ['w'.repeat(101), /at most 100 characters, got 101/],
    [7, /must be a string, got number/],
  ])('refuse %j', (name, reason) => expect(whyBadChannelName(name)).toMatch(reason));
});

describe('channel output in the slave', () => {
  it('is told from a result only when made by channels(): a plain array of pairs is a result', () => {
    expect(channelSlot([['words', 1]])).toBeUndefined();
    expect(channelSlot({ words: 1 })).toBeUndefined();
    expect(channelSlot(channels({ words: 1 }))).toBeDefined();
  });

  it('drops sinks, and a job whose output is all sinks sends none', () => {
    const slot = channelSlot(channels([['a', 1], ['a', null], ['b', false], ['c', undefined], ['d', 0], ['e', '']]));
    expect(doneOutputs([slot], false)).toEqual({ results: [[['a', 1], ['d', 0], ['e', '']]], channeled: [0] });
    expect(channelSlot(channels({ a: null, b: false }))).toBeUndefined();
  });

  it('fails a job over a bad name or data that cannot travel, saying which item', () => {
    expect(() => channelSlot(channels({ ok: 1, '../x': 2 }))).toThrow(/^channel output item 1: channel name "\.\.\/x" is not allowed/);
    expect(() => channelSlot(channels({ fn: { f: () => 1 } }))).toThrow(/^channel output item 0 \(channel fn\) cannot be sent back: a function at \.f/);
  });

  it('splits a DONE: channeled indexes, and results only where wanted', () => {
    const slot = channelSlot(channels({ w: 'x' }));
    expect(doneOutputs([1, slot, 3], true)).toEqual({ results: [1, [['w', 'x']], 3], channeled: [1] });
    expect(doneOutputs([1, slot, 3], false)).toEqual({ results: [undefined, [['w', 'x']], undefined], channeled: [1] });
    expect(doneOutputs([1, 2], true)).toEqual({ results: [1, 2] });
    expect(doneOutputs([1, 2], false)).toEqual({});
  });

  it('drains an async iterable of pairs and channels() values; anything else is an error', async () => {
    async function* good() {
      yield ['a', 1] as const;
      yield channels({ b: 2, c: 3 });
    }
    expect(doneOutputs([channelSlot(await drainChannels(good()))], false).results).toEqual([[['a', 1], ['b', 2], ['c', 3]]]);
    async function* bad() {
      yield ['a', 1] as const;
      yield 'oops';
    }
    await expect(drainChannels(bad())).rejects.toThrow(/^item 1 the handler's async iterable yielded is not a \[name, data\] pair or a channels\(\) value$/);
    expect(await drainChannels(5)).toBe(5);
  });
});
