// Child process of the event-loop benchmark: sends a cheap HTTP GET to the parent's server at a fixed
// rate (open loop: a request leaves on schedule even while earlier ones wait, so a blocked event loop in
// the parent shows up in every request it delays) and reports the latencies when told to stop.
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
let port = 0;
let intervalMs = 2;
let latencies = [];
let running = false;
let inFlight = 0;
let timer;

function once() {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const outgoing = request({ host: '127.0.0.1', port, path: '/ping', agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(performance.now() - started));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

function tick(next) {
  if (!running) return;
  inFlight++;
  once().then(
    (ms) => {
      inFlight--;
      latencies.push(ms);
      maybeReport();
    },
    () => {
      inFlight--;
      maybeReport();
    },
  );
  const target = next + intervalMs;
  timer = setTimeout(() => tick(target), Math.max(0, target - performance.now()));
}

let reportPending = false;
function maybeReport() {
  if (reportPending && inFlight === 0) {
    reportPending = false;
    process.send({ type: 'latencies', latencies });
  }
}

process.on('message', (message) => {
  if (message.type === 'config') {
    port = message.port;
    intervalMs = message.intervalMs;
    process.send({ type: 'ready' });
  } else if (message.type === 'warm') {
    (async () => {
      for (let i = 0; i < message.requests; i++) await once();
      process.send({ type: 'warmed' });
    })();
  } else if (message.type === 'start') {
    latencies = [];
    running = true;
    tick(performance.now());
  } else if (message.type === 'stop') {
    // Requests still in flight when the window closes are counted: they are the slowest.
    running = false;
    clearTimeout(timer);
    reportPending = true;
    maybeReport();
  } else if (message.type === 'exit') {
    agent.destroy();
    process.exit(0);
  }
});
