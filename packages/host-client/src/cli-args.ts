/**
 * Command-line parsing for `demo-device`, kept pure (argv in, options or a
 * usage error out) so every flag's error message is unit-tested.
 */
import { parseArgs } from 'node:util';
import { InvalidOptionError } from './errors.js';
import type { DeviceEncodingOption } from './device.js';
import { parseApiUrl } from './ws-url.js';

export type SourceSpec =
  | { readonly kind: 'synthetic' }
  | { readonly kind: 'folder'; readonly path: string }
  | { readonly kind: 'image'; readonly path: string };

export interface CliOptions {
  readonly url: string;
  /** Undefined: generate one. */
  readonly uuid: string | undefined;
  readonly name: string;
  readonly source: SourceSpec;
  readonly fps: number;
  readonly encoding: DeviceEncodingOption;
  readonly lanPort: number | undefined;
  readonly wsUrl: string | undefined;
  readonly changeEveryMs: number;
  readonly seed: number;
  readonly reconnect: boolean;
  readonly statsEveryS: number;
  readonly durationS: number | undefined;
  readonly help: boolean;
}

export const USAGE = `Usage: demo-device --url <api-url> [options]

Streams a demo e-ink screen to a BooxStream server, as the Android app does.

  --url URL            API URL as typed into the app, e.g. http://127.0.0.1:3001 (required)
  --uuid UUID          device uuid to reuse (default: a new random one, printed once)
  --name NAME          device name shown for approval (default: "Demo device")
  --source SPEC        synthetic | folder:DIR | image:FILE (default: synthetic)
  --fps N              frames per second of the fixed timer, 0 < N <= 120 (default: 10)
  --encoding E         json (the app's base64 JSON) | binary (if the server offers it) (default: json)
  --lan-port N         device port for a dotted-IPv4 URL (default: 8080, as the app)
  --ws-url URL         use this WebSocket URL instead of deriving it from --url
  --change-every MS    synthetic: ms between screen changes; folder: ms per image (default: 3000)
  --seed N             synthetic page seed (default: 1)
  --no-reconnect       stop when the socket closes, as the app does (default: reconnect every 3 s)
  --stats-every S      seconds between stats lines, 0 = never (default: 5)
  --duration S         stop after S seconds (default: run until Ctrl-C)
  -h, --help           show this help
`;

function number(flag: string, raw: string | undefined, fallback: number, check: (n: number) => boolean, what: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) throw new InvalidOptionError(flag, `must be ${what}, got ${JSON.stringify(raw)}`);
  return n;
}

/** Parses `demo-device` arguments (without node and script). Throws InvalidOptionError naming the flag. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  // `pnpm run x -- --flag` forwards the `--`; parseArgs would read everything after it as positionals.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    const m = /'(-[^' ]+)/.exec((err as Error).message);
    throw new InvalidOptionError(m?.[1] ?? 'arguments', (err as Error).message);
  }
  const v = parsed.values;
  if (parsed.positionals.length > 0) throw new InvalidOptionError('arguments', `unexpected argument ${JSON.stringify(parsed.positionals[0])} (flags take the form --name value)`);
  const help = v.help === true;
  if (help) return { ...defaults(), help };
  if (v.url === undefined) throw new InvalidOptionError('--url', 'is required (e.g. --url http://127.0.0.1:3001)');
  parseApiUrl(v.url, '--url');
  if (v.uuid !== undefined && v.uuid.trim() === '') throw new InvalidOptionError('--uuid', 'must not be empty');
  if (v.name !== undefined && v.name.trim() === '') throw new InvalidOptionError('--name', 'must not be empty');
  const encodingRaw = v.encoding ?? 'json';
  const encoding: DeviceEncodingOption | undefined = encodingRaw === 'json' || encodingRaw === 'json-base64' ? 'json-base64' : encodingRaw === 'binary' ? 'binary' : undefined;
  if (!encoding) throw new InvalidOptionError('--encoding', `must be json or binary, got ${JSON.stringify(encodingRaw)}`);
  if (v['ws-url'] !== undefined && !/^wss?:\/\/[^/]/.test(v['ws-url'])) throw new InvalidOptionError('--ws-url', `must start with ws:// or wss://, got ${JSON.stringify(v['ws-url'])}`);
  return {
    url: v.url,
    uuid: v.uuid,
    name: v.name ?? 'Demo device',
    source: parseSource(v.source ?? 'synthetic'),
    fps: number('--fps', v.fps, 10, (n) => n > 0 && n <= 120, 'a number above 0 and at most 120'),
    encoding,
    lanPort: v['lan-port'] === undefined ? undefined : number('--lan-port', v['lan-port'], 8080, (n) => Number.isInteger(n) && n >= 1 && n <= 65535, 'a port from 1 to 65535'),
    wsUrl: v['ws-url'],
    changeEveryMs: number('--change-every', v['change-every'], 3000, (n) => n > 0, 'a positive number of milliseconds'),
    seed: number('--seed', v.seed, 1, Number.isInteger, 'an integer'),
    reconnect: v['no-reconnect'] !== true,
    statsEveryS: number('--stats-every', v['stats-every'], 5, (n) => n >= 0, 'a non-negative number of seconds'),
    durationS: v.duration === undefined ? undefined : number('--duration', v.duration, 0, (n) => n > 0, 'a positive number of seconds'),
    help: false,
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      uuid: { type: 'string' },
      name: { type: 'string' },
      source: { type: 'string' },
      fps: { type: 'string' },
      encoding: { type: 'string' },
      'lan-port': { type: 'string' },
      'ws-url': { type: 'string' },
      'change-every': { type: 'string' },
      seed: { type: 'string' },
      'no-reconnect': { type: 'boolean' },
      'stats-every': { type: 'string' },
      duration: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function defaults(): Omit<CliOptions, 'help'> {
  return { url: '', uuid: undefined, name: 'Demo device', source: { kind: 'synthetic' }, fps: 10, encoding: 'json-base64', lanPort: undefined, wsUrl: undefined, changeEveryMs: 3000, seed: 1, reconnect: true, statsEveryS: 5, durationS: undefined };
}

function parseSource(raw: string): SourceSpec {
  if (raw === 'synthetic') return { kind: 'synthetic' };
  const m = /^(folder|image):(.+)$/.exec(raw);
  if (!m) throw new InvalidOptionError('--source', `must be synthetic, folder:DIR or image:FILE, got ${JSON.stringify(raw)}`);
  return { kind: m[1] as 'folder' | 'image', path: m[2]! };
}
