/**
 * The Android app's rule for turning the API URL the user typed into the
 * streaming WebSocket URL (packages/protocol/ANDROID-APP.md §2).
 */
import { InvalidOptionError } from './errors.js';

/** The LAN device port the installed app always uses for a dotted-IPv4 API URL. */
export const LEGACY_LAN_PORT = 8080;

const DOTTED_IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** True for `192.168.1.202`-style hosts, the app's test for "LAN use". */
export function isDottedIpv4(host: string): boolean {
  const m = DOTTED_IPV4.exec(host);
  return m !== null && m.slice(1).every((part) => Number(part) <= 255);
}

/**
 * Derives the device WebSocket URL from an API URL, as the app does:
 * `https` → `wss`, `http` → `ws`; a dotted IPv4 host → `ws(s)://<ip>:<lanPort>` at the root
 * path whatever port the API URL had; any other host → `/android-ws` on the same host and
 * port (the port is written only when it is not the scheme's default).
 *
 * @param apiUrl e.g. `http://192.168.1.202:3001` or `https://booxstream.example.dev`
 * @param options.lanPort [lanPort=8080] the LAN device port. The real app always uses 8080;
 *   tests and the benchmark point it at an ephemeral port.
 * @throws InvalidOptionError when `apiUrl` is not an http(s) URL or `lanPort` is not a port.
 */
export function deviceWebSocketUrl(apiUrl: string, options: { lanPort?: number } = {}): string {
  const lanPort = options.lanPort ?? LEGACY_LAN_PORT;
  if (!Number.isInteger(lanPort) || lanPort < 1 || lanPort > 65535) {
    throw new InvalidOptionError('lanPort', `must be an integer from 1 to 65535, got ${String(lanPort)}`);
  }
  const url = parseApiUrl(apiUrl);
  const scheme = url.protocol === 'https:' ? 'wss' : 'ws';
  if (isDottedIpv4(url.hostname)) return `${scheme}://${url.hostname}:${lanPort}`;
  // URL drops default ports by itself, so `url.host` is "host" or "host:port" as the app writes it.
  return `${scheme}://${url.host}/android-ws`;
}

/** Parses and checks an API URL; the single place that decides what "an API URL" is. */
export function parseApiUrl(apiUrl: string, field = 'apiUrl'): URL {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new InvalidOptionError(field, `not a URL: ${JSON.stringify(apiUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidOptionError(field, `must start with http:// or https://, got ${JSON.stringify(apiUrl)}`);
  }
  return url;
}

/** `{apiUrl}{path}` with exactly one slash between them (the app concatenates; users add trailing slashes). */
export function apiEndpoint(apiUrl: string, path: string): string {
  const url = parseApiUrl(apiUrl);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}${path}`;
}
