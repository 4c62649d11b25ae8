/**
 * The Traefik side of the intrusion-detection layer: the CrowdSec bouncer plugin
 * (github.com/maxlerebourg/crowdsec-bouncer-traefik-plugin) as a middleware, and the static
 * configuration it and CrowdSec need (the plugin's declaration, a JSON access log that carries
 * `Cf-Connecting-Ip`). The key to the local API is read from a file inside Traefik's
 * container, so no rendered file or preview ever holds it.
 */
import type { IdsLayer } from '../model/ids.js';
// A cycle with traefik.ts, harmless: the constant is read only when a function runs.
import { CLIENT_IP_HEADER } from './traefik.js';

/** The plugin's name in `experimental.plugins` and under `plugin:` in each middleware. */
export const BOUNCER_PLUGIN_NAME = 'bouncer';
export const BOUNCER_PLUGIN_MODULE = 'github.com/maxlerebourg/crowdsec-bouncer-traefik-plugin';
/** Seconds between the bouncer's pulls of the decision list (stream mode). */
export const BOUNCER_UPDATE_INTERVAL_SECONDS = 15;

export function crowdsecBouncerMiddleware(ids: IdsLayer): { plugin: Record<string, Record<string, unknown>> } {
  const lapi = new URL(ids.lapiUrl);
  return {
    plugin: {
      [BOUNCER_PLUGIN_NAME]: {
        enabled: true,
        // Stream mode: the decision list is pulled every few seconds and checked in memory, so
        // a request never waits on the local API and CrowdSec being down blocks nobody.
        crowdsecMode: 'stream',
        updateIntervalSeconds: BOUNCER_UPDATE_INTERVAL_SECONDS,
        crowdsecLapiScheme: lapi.protocol.replace(':', ''),
        crowdsecLapiHost: lapi.host,
        crowdsecLapiKeyFile: ids.bouncerKeyFile,
        // The visitor is Cf-Connecting-Ip, but only when cloudflared sent the request.
        forwardedHeadersCustomName: CLIENT_IP_HEADER,
        forwardedHeadersTrustedIPs: [...ids.cloudflaredAddresses],
      },
    },
  };
}

/** Traefik's static configuration for the layer (merged into the gateway's traefik.yml). */
export interface TraefikIdsStaticConfig {
  experimental: { plugins: Record<string, { moduleName: string; version: string }> };
  accessLog: {
    filePath: string;
    format: 'json';
    bufferingSize: number;
    fields: { defaultMode: 'keep'; headers: { defaultMode: 'drop'; names: Record<string, 'keep' | 'redact'> } };
  };
}

export function renderTraefikIdsStaticConfig(ids: IdsLayer): TraefikIdsStaticConfig {
  return {
    experimental: { plugins: { [BOUNCER_PLUGIN_NAME]: { moduleName: BOUNCER_PLUGIN_MODULE, version: ids.pluginVersion } } },
    accessLog: {
      filePath: ids.accessLogPath,
      format: 'json',
      bufferingSize: 0,
      fields: {
        defaultMode: 'keep',
        // Only what CrowdSec reads: no cookies or Authorization (device tokens) in the log.
        headers: { defaultMode: 'drop', names: { [CLIENT_IP_HEADER]: 'keep', 'User-Agent': 'keep', Authorization: 'redact', Cookie: 'redact' } },
      },
    },
  };
}
