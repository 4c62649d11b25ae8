/**
 * The intrusion-detection layer of the gateway (seed 002, "Couche 4"): CrowdSec reads Traefik's
 * access log and the relay's log, and a bouncer middleware first in every router refuses the
 * addresses it bans. Declared as the gateway model's optional `ids:` section; absent, the
 * layer is off and the Traefik files carry no bouncer.
 *
 * Behind the tunnel every request reaches Traefik from cloudflared, so the visitor's address is
 * the `Cf-Connecting-Ip` header, which anyone can send: it is believed only when the peer is
 * one of `cloudflaredAddresses`. That one list feeds the bouncer and the CrowdSec parser.
 */
import type { ConfigIssue } from '../errors.js';
import { isAddressOrCidr } from './host.js';

export interface IdsLayer {
  /** Addresses or CIDRs cloudflared connects to Traefik from; the only peers whose `Cf-Connecting-Ip` is believed. */
  readonly cloudflaredAddresses: readonly string[];
  /** CrowdSec's local API as Traefik reaches it. [lapiUrl='http://crowdsec:8080'] */
  readonly lapiUrl: string;
  /** File in Traefik's container holding the bouncer's API key (never the key itself in a rendered file). [bouncerKeyFile='/etc/traefik/crowdsec/bouncer.key'] */
  readonly bouncerKeyFile: string;
  /** Version of the Traefik bouncer plugin (github.com/maxlerebourg/crowdsec-bouncer-traefik-plugin). [pluginVersion='v1.3.5'] */
  readonly pluginVersion: string;
  /** Where Traefik writes its JSON access log, as CrowdSec reads it. [accessLogPath='/var/log/traefik/access.log'] */
  readonly accessLogPath: string;
  /**
   * Ban length by offence: the first ban of an address, the second, … the last applies to every
   * later one (seed 002: "5min → 1h"). Go durations. [banDurations=['5m', '20m', '1h']]
   */
  readonly banDurations: readonly string[];
}

export const IDS_DEFAULTS = Object.freeze({
  lapiUrl: 'http://crowdsec:8080',
  bouncerKeyFile: '/etc/traefik/crowdsec/bouncer.key',
  pluginVersion: 'v1.3.5',
  accessLogPath: '/var/log/traefik/access.log',
  banDurations: Object.freeze(['5m', '20m', '1h']),
});

const KNOWN = ['cloudflaredAddresses', 'lapiUrl', 'bouncerKeyFile', 'pluginVersion', 'accessLogPath', 'banDurations'];
const DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;

/** Checks the `ids:` section; problems go to `issues` with their paths, the result is undefined when any was found. */
export function checkIds(input: unknown, path: string, issues: ConfigIssue[]): IdsLayer | undefined {
  const before = issues.length;
  const add = (at: string, message: string) => issues.push({ path: `${path}.${at}`, message });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    issues.push({ path, message: 'must be an object' });
    return undefined;
  }
  const obj = input as Record<string, unknown>;
  for (const key of Object.keys(obj)) if (!KNOWN.includes(key)) add(key, `is not a known field (known: ${KNOWN.join(', ')})`);

  const addresses = obj['cloudflaredAddresses'];
  if (!Array.isArray(addresses) || addresses.length === 0) {
    add('cloudflaredAddresses', "is required: the addresses cloudflared reaches Traefik from (without them every visitor would look like cloudflared, and one ban would lock everyone out)");
  } else {
    addresses.forEach((a, i) => {
      if (typeof a !== 'string' || !isAddressOrCidr(a)) add(`cloudflaredAddresses[${i}]`, `must be an IP address or CIDR, got ${JSON.stringify(a)}`);
    });
  }
  const text = (key: string, check: (v: string) => string | undefined): string | undefined => {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return void add(key, `must be a string, got ${typeof v}`);
    const problem = check(v);
    if (problem) add(key, problem);
    return v;
  };
  const lapiUrl = text('lapiUrl', (v) => (/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/.test(v) ? undefined : `must be http(s)://host[:port], got ${JSON.stringify(v)}`));
  const absolute = (v: string) => (/^\/[A-Za-z0-9._/-]+$/.test(v) && !v.includes('..') ? undefined : `must be an absolute path of letters, digits and ._/-, got ${JSON.stringify(v)}`);
  const bouncerKeyFile = text('bouncerKeyFile', absolute);
  const accessLogPath = text('accessLogPath', absolute);
  const pluginVersion = text('pluginVersion', (v) => (/^v\d+\.\d+\.\d+$/.test(v) ? undefined : `must be a release tag such as v1.3.5, got ${JSON.stringify(v)}`));
  let banDurations: string[] | undefined;
  if (obj['banDurations'] !== undefined) {
    const list = obj['banDurations'];
    if (!Array.isArray(list) || list.length === 0) add('banDurations', 'must be a non-empty list of Go durations');
    else {
      banDurations = list.map(String);
      list.forEach((d, i) => {
        if (typeof d !== 'string' || d === '' || !DURATION.test(d)) add(`banDurations[${i}]`, `must be a Go duration such as 5m or 1h, got ${JSON.stringify(d)}`);
      });
    }
  }
  if (issues.length > before) return undefined;
  return {
    cloudflaredAddresses: [...(addresses as string[])],
    lapiUrl: (lapiUrl ?? IDS_DEFAULTS.lapiUrl).replace(/\/$/, ''),
    bouncerKeyFile: bouncerKeyFile ?? IDS_DEFAULTS.bouncerKeyFile,
    pluginVersion: pluginVersion ?? IDS_DEFAULTS.pluginVersion,
    accessLogPath: accessLogPath ?? IDS_DEFAULTS.accessLogPath,
    banDurations: banDurations ?? [...IDS_DEFAULTS.banDurations],
  };
}
