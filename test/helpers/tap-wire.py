#!/usr/bin/env python3
"""A shaped link for kernels without sch_netem: frames between two TAP devices, each delayed
DELAY_MS and each dropped with LOSS_PCT percent chance, in both directions. Run in the namespace
where both TAPs are made; a test then moves one into a host's namespace (the fds stay attached).
Usage: tap-wire.py TAP_A TAP_B DELAY_MS LOSS_PCT. Prints "ready" once both exist; ends when
either device goes away (its namespace is deleted) or on SIGTERM."""
import fcntl, heapq, os, random, select, struct, sys, time

TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000
MAX_QUEUED = 20000  # frames in flight on the wire: bounded, like a real queue


def tap(name):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main():
    name_a, name_b, delay_ms, loss_pct = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    a, b = tap(name_a), tap(name_b)
    delay, loss = delay_ms / 1000, loss_pct / 100
    queue, seq = [], 0
    print('ready', flush=True)
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        readable, _, _ = select.select([a, b], [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            try:
                frame = os.read(fd, 65536)
            except OSError:
                return  # the device is gone
            if random.random() < loss or len(queue) >= MAX_QUEUED:
                continue
            heapq.heappush(queue, (now + delay, seq, b if fd == a else a, frame))
            seq += 1
        while queue and queue[0][0] <= time.monotonic():
            _, _, out, frame = heapq.heappop(queue)
            try:
                os.write(out, frame)
            except OSError:
                pass  # the other end is down: the frame is lost, as on a cut cable


main()
