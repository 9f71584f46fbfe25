// For the `fleet` workload: polls a master's /status.json (its --http, on loopback) until every
// host named has a slave that reported a job done, then says so and exits, so that the polling
// costs nothing once the hosts all run. A slave is a host's when its host name (HELLO's) or its
// name (`--name`, to which tm-spawn adds -1, -2, …) is the host's.
// Lines on stderr: `fleet-poller: all joined (done 0)` once every host has a slave, then
// `fleet-poller: h2 running (done 123)` per host, then `fleet-poller: all running (done 456)`.
// Exits 1 if the master stops answering after it had answered, with hosts still not running.
/* global fetch */
const [url, list] = process.argv.slice(2);
const hosts = list.split(',');
const joined = new Set();
const running = new Set();
const POLL_MS = 20;
let answered = false;

const hostOf = (slave) => hosts.find((host) => slave.host === host || slave.id === host || slave.id.startsWith(`${host}-`) || slave.id.startsWith(`${host}:`));

for (;;) {
  let status;
  try {
    const response = await fetch(url);
    status = await response.json();
    answered = true;
  } catch (error) {
    if (answered) {
      process.stderr.write(`fleet-poller: the master stopped answering (${error.message}) with only ${[...running].join(',') || 'no host'} running\n`);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    continue;
  }
  const allJoined = joined.size === hosts.length;
  for (const slave of status.slaves) {
    const host = hostOf(slave);
    if (host === undefined) continue;
    joined.add(host);
    if (slave.done > 0 && !running.has(host)) {
      running.add(host);
      process.stderr.write(`fleet-poller: ${host} running (done ${status.totals.done})\n`);
    }
  }
  if (!allJoined && joined.size === hosts.length) process.stderr.write(`fleet-poller: all joined (done ${status.totals.done})\n`);
  if (running.size === hosts.length) {
    process.stderr.write(`fleet-poller: all running (done ${status.totals.done})\n`);
    process.exit(0);
  }
  await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}
