// A page's worth of watching for the `http` workload: reads the master's /events (what the
// dashboard's EventSource reads) until the run's `end` frame, then says how many frames came.
// Exits 1 if the stream ends without one: then the figure would not be of a watched run.
import http from 'node:http';

const url = process.argv[2];
let frames = 0;
let ended = false;
let tail = '';
http
  .get(url, (response) => {
    if (response.statusCode !== 200) {
      process.stderr.write(`sse-watcher: ${url} answered ${response.statusCode}\n`);
      process.exit(1);
    }
    response.setEncoding('utf8');
    response.on('data', (chunk) => {
      const text = tail + chunk;
      const events = text.split('\n\n');
      tail = events.pop();
      for (const event of events) {
        if (event.startsWith('event: snapshot')) frames++;
        if (event.startsWith('event: end')) ended = true;
      }
    });
    response.on('end', () => {
      process.stderr.write(`sse-watcher: ${frames} snapshots, ${ended ? 'then the end' : 'and no end'}\n`);
      process.exit(ended && frames > 0 ? 0 : 1);
    });
  })
  .on('error', (error) => {
    process.stderr.write(`sse-watcher: ${error.message}\n`);
    process.exit(1);
  });
