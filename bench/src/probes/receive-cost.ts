/**
 * What it costs a Node process on this machine just to be woken 10 times a
 * second, and to receive one device-sized message each time, before any relay
 * logic runs. It sizes the part of a static frame's cost that no relay can
 * remove (bench/ANALYSIS.md, "Static screen").
 *
 *   pnpm --filter @booxstream/bench probe:receive [--rounds 3] [--messages 200]
 *
 * Three receivers, each in its own child process, CPU read there with
 * process.cpuUsage() (getrusage, µs) around `messages` wake-ups 100 ms apart:
 *   timer  an empty setInterval: the wake-up alone;
 *   tcp    a net server reading an 82 KB write (a 60 KiB JPEG as the app's base64 JSON);
 *   ws     a ws server (no UTF-8 check, no deflate, bufferutil as the server has)
 *          receiving that text as one masked message, as from the app.
 * The sender is this process, on 127.0.0.1; nothing leaves the machine. The
 * receivers run this file bundled by esbuild on plain `node`, as the bench's
 * relays do: under tsx's loader an empty timer wake-up costs about twice as much.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

type Receiver = 'timer' | 'tcp' | 'ws';
const RECEIVERS: readonly Receiver[] = ['timer', 'tcp', 'ws'];
const MESSAGE_BYTES = 82_000;
const GAP_MS = 100;

type ProbeReply = { readonly port: number } | { readonly cpuUs: number; readonly bytes: number };

/** Child side: listen (or tick), count bytes, answer CPU readings on request. */
function runReceiver(kind: Receiver): void {
  let bytes = 0;
  const reply = (msg: ProbeReply): void => {
    process.send!(msg);
  };
  process.on('message', (msg) => {
    if (msg === 'cpu') {
      const { user, system } = process.cpuUsage();
      reply({ cpuUs: user + system, bytes });
    }
  });
  process.on('disconnect', () => process.exit(0));
  if (kind === 'timer') {
    setInterval(() => {
      bytes++;
    }, GAP_MS);
    reply({ port: 0 });
  } else if (kind === 'tcp') {
    const server = createServer((s) => s.on('data', (d: Buffer) => (bytes += d.length)));
    server.listen(0, '127.0.0.1', () => reply({ port: (server.address() as AddressInfo).port }));
  } else {
    const wss: WebSocketServer = new WebSocketServer({ port: 0, host: '127.0.0.1', skipUTF8Validation: true, perMessageDeflate: false }, (): void =>
      reply({ port: (wss.address() as AddressInfo).port }),
    );
    wss.on('connection', (ws: WebSocket) => ws.on('message', (d: Buffer) => (bytes += d.length)));
  }
}

function nextReply(child: ChildProcess): Promise<ProbeReply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('receiver did not answer within 10 s')), 10_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as ProbeReply);
    });
  });
}

async function readingOf(child: ChildProcess): Promise<{ cpuUs: number; bytes: number }> {
  const answer = nextReply(child);
  child.send('cpu');
  const r = await answer;
  if (!('cpuUs' in r)) throw new Error('receiver answered a CPU request with a port');
  return r;
}

/** CPU ms per wake-up of one receiver, over `messages` wake-ups after a warm-up. */
async function measure(bundle: string, kind: Receiver, messages: number): Promise<number> {
  const child = fork(bundle, ['--receiver', kind], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await nextReply(child);
    if (!('port' in ready)) throw new Error('receiver did not report its port');
    const payload = Buffer.alloc(MESSAGE_BYTES, 0x41);
    let send: () => void = () => undefined;
    let close: () => void = () => undefined;
    if (kind === 'tcp') {
      const socket: Socket = connect(ready.port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      send = () => socket.write(payload);
      close = () => socket.destroy();
    } else if (kind === 'ws') {
      const ws = new WebSocket(`ws://127.0.0.1:${ready.port}`, { perMessageDeflate: false });
      await new Promise((r) => ws.once('open', r));
      const text = payload.toString('latin1');
      send = () => ws.send(text);
      close = () => ws.terminate();
    }
    for (let i = 0; i < 50; i++) {
      send();
      await sleep(20);
    }
    const r0 = await readingOf(child);
    for (let i = 0; i < messages; i++) {
      send();
      await sleep(GAP_MS);
    }
    const r1 = await readingOf(child);
    close();
    // The receiver must have had exactly the work it is charged for (the timer: about one tick per gap, the sender's sleeps drift a little).
    const got = r1.bytes - r0.bytes;
    const ok = kind === 'timer' ? Math.abs(got - messages) <= 2 + messages * 0.05 : got === messages * MESSAGE_BYTES;
    if (!ok) throw new Error(`${kind} receiver got ${got} ${kind === 'timer' ? 'ticks' : 'bytes'} for ${messages} wake-ups`);
    return (r1.cpuUs - r0.cpuUs) / 1000 / messages;
  } finally {
    child.kill();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, messages: { type: 'string', default: '200' } } });
  const rounds = Number(values.rounds);
  const messages = Number(values.messages);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  if (!Number.isInteger(messages) || messages < 10) throw new Error(`--messages must be an integer ≥ 10, got ${values.messages}`);
  const self = fileURLToPath(import.meta.url);
  // Under bench/out (ignored), so bufferutil resolves from bench/node_modules as ws expects.
  const bundle = join(dirname(self), '..', '..', 'out', 'probes', 'receive-cost.mjs');
  // Imported here, not at the top: the receivers must not load esbuild.
  const { build } = await import('esbuild');
  await build({
    entryPoints: [self],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['bufferutil', 'utf-8-validate', 'esbuild'],
    banner: { js: "import { createRequire as __probeCreateRequire } from 'node:module'; const require = __probeCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  const results = new Map<Receiver, number[]>(RECEIVERS.map((k) => [k, []]));
  // Interleaved rounds, so a noisy neighbour on the shared cores hits all three alike.
  for (let r = 0; r < rounds; r++) for (const kind of RECEIVERS) results.get(kind)!.push(await measure(bundle, kind, messages));
  console.log(`CPU ms per wake-up at ${1000 / GAP_MS} Hz, ${messages} wake-ups, median [min–max] of ${rounds} rounds:`);
  for (const [kind, xs] of results) {
    const sorted = [...xs].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`  ${kind.padEnd(5)} ${median.toFixed(3)} [${sorted[0]!.toFixed(3)}–${sorted[sorted.length - 1]!.toFixed(3)}]`);
  }
}

const { values: own } = parseArgs({ options: { receiver: { type: 'string' } }, strict: false });
if (typeof own.receiver === 'string') {
  if (!RECEIVERS.includes(own.receiver as Receiver)) throw new Error(`unknown --receiver ${own.receiver}`);
  runReceiver(own.receiver as Receiver);
} else {
  await main();
}
