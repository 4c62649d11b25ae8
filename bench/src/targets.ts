/**
 * How the drivers reach a relay: the endpoints of one host on the server under
 * test (registered and approved like a real tablet, watched by a signed-in
 * user) or on the floor (plain paths, no auth).
 */
import { randomUUID } from 'node:crypto';
import type { RegisterResponse } from '@booxstream/protocol';
import { VIEWER_HEADER_BYTES } from '@booxstream/protocol';
import type { RelayProcess } from './relay-process.js';

/** The identity every bench viewer signs in with; approved hosts are owned by it. */
export const BENCH_USER = 'bench-viewer';

export interface HostEndpoints {
  /** Marker tag of this host's frames. */
  readonly tag: number;
  /** The relay's id of the host (the device uuid on the server). */
  readonly id: string;
  readonly deviceUrl: string;
  readonly token: string;
  readonly viewerUrl: string;
  readonly viewerHeaders: Readonly<Record<string, string>>;
  /** Bytes before the JPEG in a viewer message (24 on the server, 0 on the floor). */
  readonly viewerHeaderBytes: number;
}

function wsUrl(httpUrl: string, path: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}${path}`;
}

/** Registers, approves and returns the endpoints of a new host (tag = `tag`). */
export async function addHost(relay: RelayProcess, tag: number): Promise<HostEndpoints> {
  if (relay.kind === 'floor') {
    return {
      tag,
      id: `h${tag}`,
      deviceUrl: wsUrl(relay.url, `/device/h${tag}`),
      token: 'floor',
      viewerUrl: wsUrl(relay.url, `/view/h${tag}`),
      viewerHeaders: {},
      viewerHeaderBytes: 0,
    };
  }
  const uuid = randomUUID();
  // Exactly the Android app's registration call: no credentials.
  const res = await fetch(`${relay.url}/api/hosts/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ uuid, public_ip: null, name: `bench host ${tag}` }),
  });
  if (!res.ok) throw new Error(`register failed: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as RegisterResponse;
  await relay.approve(uuid, BENCH_USER);
  return {
    tag,
    id: uuid,
    deviceUrl: wsUrl(relay.url, '/android-ws'),
    token: body.token,
    viewerUrl: wsUrl(relay.url, `/api/hosts/${uuid}/stream`),
    // What Traefik forwards after Authentik's check, plus the Origin a browser sends.
    viewerHeaders: { 'X-authentik-username': BENCH_USER, 'X-authentik-groups': 'bench users', Origin: relay.url },
    viewerHeaderBytes: VIEWER_HEADER_BYTES,
  };
}
