/**
 * The CrowdSec container on the gateway, as plain values (the CrowdSec component hands them to
 * `docker.Container`): the official image pinned, the rendered files mounted read-only over
 * its config, Traefik's access-log directory read-only, the relay's syslog port on the
 * gateway's LAN address, and the same hardening as the server's container.
 */
import { posix } from 'node:path';
import { CROWDSEC_HUB_ITEMS, RELAY_SYSLOG_PORT, type IdsLayer, type RenderedCrowdsec } from '@booxstream/gateway';

/** The official image, pinned (its entrypoint installs hub items and registers BOUNCER_KEY_* bouncers). */
export const CROWDSEC_IMAGE = 'crowdsecurity/crowdsec:v1.6.8';
/** Where the rendered files live on the gateway; each is bind-mounted over /etc/crowdsec/<path>. */
export const CROWDSEC_HOST_CONFIG_DIR = '/opt/crowdsec/config';
/** The bouncer's name in CrowdSec (`cscli bouncers list`). */
export const TRAEFIK_BOUNCER_NAME = 'traefik';

export interface CrowdsecContainerSpec {
  name: string;
  image: string;
  restart: 'unless-stopped';
  readOnly: true;
  tmpfs: Record<string, string>;
  capabilities: { drops: string[] };
  securityOpts: string[];
  memory: number;
  /** Non-secret environment; the bouncer key is added by the component as a secret. */
  env: Record<string, string>;
  mounts: { source: string; target: string; readOnly: boolean }[];
  /** Named volumes: the decisions database and CrowdSec's own hub state. */
  volumes: { name: string; containerPath: string }[];
  ports: { internal: number; external: number; protocol: 'udp'; ip: string }[];
  /** Docker network shared with Traefik, where the bouncer reaches `crowdsec:8080`. */
  network: { name: string; aliases: string[] };
}

export function crowdsecContainerSpec(ids: IdsLayer, rendered: RenderedCrowdsec, options: { gatewayAddress: string; network: string }): CrowdsecContainerSpec {
  const logDir = posix.dirname(ids.accessLogPath);
  return {
    name: 'crowdsec',
    image: CROWDSEC_IMAGE,
    restart: 'unless-stopped',
    readOnly: true,
    tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=32m' },
    capabilities: { drops: ['ALL'] },
    securityOpts: ['no-new-privileges:true'],
    memory: 256,
    env: {
      // Hub items the rendered parsers and scenarios build on (the image installs them at start).
      COLLECTIONS: '',
      PARSERS: CROWDSEC_HUB_ITEMS.parsers.map((p) => p.split('/').slice(1).join('/')).join(' '),
      SCENARIOS: CROWDSEC_HUB_ITEMS.scenarios.join(' '),
      // No central API: decisions come from this gateway's own logs only.
      DISABLE_ONLINE_API: 'true',
    },
    mounts: [
      ...rendered.files.map((f) => ({ source: `${CROWDSEC_HOST_CONFIG_DIR}/${f.path}`, target: `/etc/crowdsec/${f.path}`, readOnly: true })),
      { source: logDir, target: logDir, readOnly: true },
    ],
    volumes: [
      { name: 'crowdsec-db', containerPath: '/var/lib/crowdsec/data' },
      { name: 'crowdsec-config', containerPath: '/etc/crowdsec' },
    ],
    ports: [{ internal: RELAY_SYSLOG_PORT, external: RELAY_SYSLOG_PORT, protocol: 'udp', ip: options.gatewayAddress }],
    network: { name: options.network, aliases: [new URL(ids.lapiUrl).hostname] },
  };
}
