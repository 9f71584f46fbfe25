import { describe, expect, it } from 'vitest';
import { ResultQueue } from '../../src/run/result-queue.js';

describe('ResultQueue', () => {
  it('holds up to its capacity, then makes pushes wait until they are read, in order', async () => {
    const queue = new ResultQueue<number>(2);
    expect(queue.push(0)).toBeUndefined();
    expect(queue.push(1)).toBeUndefined();
    let released = false;
    const waiting = queue.push(2)!.then(() => void (released = true));
    expect(waiting).toBeInstanceOf(Promise);
    expect(queue.size).toBe(3);
    const iterator = queue[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: 0, done: false });
    await waiting;
    expect(released).toBe(true);
    queue.close();
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: 2, done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('refuses to be iterated when its results were not asked for, and drops what is pushed', () => {
    const queue = new ResultQueue<number>(2, false);
    expect(queue.push(0)).toBeUndefined();
    expect(queue.size).toBe(0);
    expect(() => queue[Symbol.asyncIterator]()).toThrow(TypeError);
    expect(() => queue[Symbol.asyncIterator]()).toThrow(/`results: true`/);
  });

  it('hands a push straight to a reader that waits', async () => {
    const queue = new ResultQueue<string>(1);
    const iterator = queue[Symbol.asyncIterator]();
    const next = iterator.next();
    expect(queue.push('a')).toBeUndefined();
    expect(await next).toEqual({ value: 'a', done: false });
    expect(queue.size).toBe(0);
  });

  it('lets the run go on once the reader breaks off: the rest is dropped and pushes stop waiting', async () => {
    const queue = new ResultQueue<number>(1);
    queue.push(0);
    const waiting = queue.push(1)!;
    for await (const _ of queue) break;
    await waiting;
    expect(queue.push(2)).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('throws the run’s error to the reader once it has read what came before', async () => {
    const queue = new ResultQueue<number>();
    queue.push(7);
    const iterator = queue[Symbol.asyncIterator]();
    const reading = (async () => {
      const seen: number[] = [];
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) seen.push(next.value);
      return seen;
    })();
    queue.fail(new Error('bad option'));
    await expect(reading).rejects.toThrow('bad option');
  });

  it('is read once', () => {
    const queue = new ResultQueue<number>();
    queue[Symbol.asyncIterator]();
    expect(() => queue[Symbol.asyncIterator]()).toThrow('the results of a run can be iterated once');
  });
});
