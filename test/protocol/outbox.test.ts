import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/protocol/outbox.js';

/** A socket whose every send waits until the test lets it go (or fails it), as ZeroMQ's does with no connection. */
function heldSocket(): { send(frames: Buffer[]): Promise<void>; sent: string[]; release(): void; fail(error: Error): void } {
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const socket = {
    sent: [] as string[],
    send(frames: Buffer[]): Promise<void> {
      return new Promise<void>((resolve, reject) => (settle = { resolve, reject })).then(() => void socket.sent.push(frames.join('')));
    },
    release: () => settle?.resolve(),
    fail: (error: Error) => settle?.reject(error),
  };
  return socket;
}

/** Whether `promise` has settled by the time the microtasks queued now have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 10; i++) await null;
  return done;
}

describe('Outbox', () => {
  it('flush waits for the message in flight and those queued behind it, in order', async () => {
    const socket = heldSocket();
    const outbox = new Outbox(socket, () => {});
    outbox.push([Buffer.from('a')]);
    outbox.push([Buffer.from('b')]);
    const flushed = outbox.flush();

    expect(await settled(flushed)).toBe(false);
    socket.release();
    expect(await settled(flushed)).toBe(false);
    socket.release();
    await flushed;
    expect(socket.sent).toEqual(['a', 'b']);
    expect(outbox.idle).toBe(true);
  });

  it('close() lets a flush go that waits on a send which never completes (a socket with no connection)', async () => {
    const outbox = new Outbox(heldSocket(), () => {});
    outbox.push([Buffer.from('HELLO')]);
    const flushed = outbox.flush();
    expect(await settled(flushed)).toBe(false);

    outbox.close();
    await flushed;
    await outbox.flush();
  }, 5_000);

  it('a failed send ends the flush, and is told once', async () => {
    const socket = heldSocket();
    const errors: string[] = [];
    const outbox = new Outbox(socket, (error) => errors.push(error.message));
    outbox.push([Buffer.from('a')]);
    outbox.push([Buffer.from('b')]);
    const flushed = outbox.flush();

    socket.fail(new Error('Socket is closed'));
    await flushed;
    expect(errors).toEqual(['Socket is closed']);
    expect(outbox.idle).toBe(true);
  });
});
