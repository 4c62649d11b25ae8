/** The preview directory's layout, used by the renderer and by whatever cites its files. */
import { traefikNames } from '../model/names.js';
import type { ProtectedApp } from '../model/types.js';

/** Where each document lands in the preview directory (`/`-separated, relative). */
export const PREVIEW_PATHS = Object.freeze({
  traefik: (app: Pick<ProtectedApp, 'name'>) => `traefik/${traefikNames(app).fileName}`,
  cloudflaredConfig: 'cloudflared/config.yml',
  tunnelConfigPulumi: 'cloudflared/tunnel-config.pulumi.json',
  tunnelConfigApi: 'cloudflared/tunnel-config.api.json',
  authentik: (app: Pick<ProtectedApp, 'name'>, body: 'lookups' | 'provider' | 'application' | 'policy-bindings') => `authentik/${app.name}/${body}.json`,
  outpostProviders: 'authentik/outpost-providers.json',
  blueprint: (fileName: string) => `authentik/blueprints/${fileName}`,
  /** A deployed app's container plan and database files. */
  deploy: (app: Pick<ProtectedApp, 'name'>, fileName: string) => `deploy/${app.name}/${fileName}`,
  summary: 'SUMMARY.md',
  /** A CrowdSec file, by its path under CrowdSec's config directory. */
  crowdsec: (path: string) => `crowdsec/${path}`,
  crowdsecHubItems: 'crowdsec/hub-items.json',
  traefikStaticIds: 'traefik/static/ids.yml',
  /** One step of the two-factor sign-in, in order. */
  mfaStep: (index: number, key: string) => `authentik/mfa/${String(index + 1).padStart(2, '0')}-${key}.json`,
  /** A hardened-host file of one machine. */
  host: (hostName: string, fileName: string) => `host/${hostName}/${fileName}`,
});
