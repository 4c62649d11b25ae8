/**
 * `booxstream:adopt`: the hostnames whose existing DNS records the program may take over even
 * though they do not point at the tunnel. Without it such a record stops the run before any
 * change (DnsCollisionError); records that already point at the tunnel are adopted anyway.
 * Whatever is adopted is put back as it was on `pulumi destroy`.
 */
import type { Gateway } from '@booxstream/gateway';

/** The full key, for messages. */
export const ADOPT_KEY = 'booxstream:adopt';

/** Validates the raw value (a list of app hostnames); reports problems under `adopt[i]`. */
export function adoptAt(value: unknown, gateway: Gateway | undefined, issue: (key: string, message: string) => void): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issue('adopt', 'must be a list of app hostnames, e.g. [booxstream.kevinvdb.dev]');
    return [];
  }
  const hostnames = gateway ? new Set(gateway.apps.map((a) => a.hostname)) : undefined;
  const out: string[] = [];
  value.forEach((h, i) => {
    if (typeof h !== 'string') issue(`adopt[${i}]`, 'must be a hostname string');
    else if (hostnames && !hostnames.has(h.toLowerCase())) issue(`adopt[${i}]`, `${h} is not the hostname of a gateway app (${[...hostnames].join(', ')})`);
    else out.push(h.toLowerCase());
  });
  return out;
}
