/**
 * The gateway checklist of the owner's design document, as data of its own, and where each
 * of its lines is taken care of now that the gateway is rendered and deployed: by a rendered
 * artifact (a file of `pnpm preview`, optionally a JSON pointer into it), a resource of the
 * Pulumi program (type token + logical role), or a post-deploy check of `pnpm verify`
 * (check id).
 *
 * Source: the design document "SCHÉMA DE FLUX COMPLET - BooxStream Server" (French), its
 * "Checklist de Configuration" list and the command block of its "Test Final" section
 * ({@link CHECKLIST_SOURCE}). Each line keeps the document's words in `line` (so the table
 * can be traced back to it) and says what it asks in our words in `wording`. The document
 * is not part of this repository; if it changes, update these lines and the digest.
 */

import { appResourceNames, blueprintNames, GATEWAY_RESOURCE_NAMES, PREVIEW_PATHS, traefikNames } from '@booxstream/gateway';
import type { VerifyCheckId } from '../verify/check-ids.js';

/** Which document and version the checklist lines were taken from. */
export const CHECKLIST_SOURCE = Object.freeze({
  document: 'design seed 000, "SCHÉMA DE FLUX COMPLET - BooxStream Server" (000_c88d7397b0f80b09.txt)',
  sections: ['Checklist de Configuration', 'Test Final'] as const,
  sha256: 'ed434949122aac8aa6204bde24df82f2ac25e9ee1d0b3af7a05fb2846ce409d2',
});

export type CoverageKind = Coverage['kind'];

/**
 * One thing that takes care of a line:
 * - artifact: preview path, optionally `#<JSON pointer>` into the parsed file;
 * - resource: `<Pulumi type token>#<logical name>`;
 * - check: a `pnpm verify` check id.
 */
export type Coverage = { readonly note?: string } & (
  | { readonly kind: 'artifact' | 'resource'; readonly ref: string }
  | { readonly kind: 'check'; readonly ref: VerifyCheckId }
);

export interface ChecklistLine {
  readonly section: (typeof CHECKLIST_SOURCE.sections)[number];
  /** Stable key for the line (kebab-case). */
  readonly id: string;
  /** What the line asks for, in our words. */
  readonly wording: string;
  /** The document's line as written (leading/trailing spaces trimmed). */
  readonly line: string;
  readonly coveredBy: readonly Coverage[];
}

/** Pulumi type tokens the coverage refers to (packages/gateway/VENDOR-NOTES.md#cloudflare-types, #copy-to-remote). */
export const RESOURCE_TYPES = Object.freeze({
  tunnelConfig: 'pulumi-nodejs:dynamic/cloudflare:TunnelIngressRules',
  dnsRecord: 'pulumi-nodejs:dynamic/cloudflare:DnsRecord',
  copyToRemote: 'command:remote:CopyToRemote',
});

/** The document's app; every name below is derived from it, never spelled out. */
const APP = { name: 'booxstream' } as const;
const TRAEFIK = traefikNames(APP);
const RESOURCES = appResourceNames(APP);
const TRAEFIK_FILE = PREVIEW_PATHS.traefik(APP);
const PROVIDER = PREVIEW_PATHS.authentik(APP, 'provider');
const APPLICATION = PREVIEW_PATHS.authentik(APP, 'application');
const BACKEND = `${TRAEFIK_FILE}#/http/services/${TRAEFIK.services.backend}/loadBalancer`;

const CHECKLIST = 'Checklist de Configuration' as const;
const TEST_FINAL = 'Test Final' as const;

export const checklistCoverage: readonly ChecklistLine[] = Object.freeze([
  {
    section: CHECKLIST,
    id: 'traefik-file',
    wording: 'Traefik has a dynamic-config file for the app at /opt/traefik/config/booxstream.yml.',
    line: '- [ ] Fichier `/opt/traefik/config/booxstream.yml` créé',
    coveredBy: [
      { kind: 'artifact', ref: `${TRAEFIK_FILE}#/http/routers/${TRAEFIK.routers.main}` },
      { kind: 'resource', ref: `${RESOURCE_TYPES.copyToRemote}#${RESOURCES.traefikFile}`, note: 'writes the rendered file to /opt/traefik/config/booxstream.yml' },
    ],
  },
  {
    section: CHECKLIST,
    id: 'traefik-reload',
    wording: 'Traefik has picked that file up (the seed says: restart Traefik).',
    line: '- [ ] Traefik redémarré pour charger la config',
    coveredBy: [
      {
        kind: 'artifact',
        ref: TRAEFIK_FILE,
        note: 'no restart needed: the file provider watches its directory and hot-reloads changed files (VENDOR-NOTES.md#file-provider)',
      },
      { kind: 'check', ref: 'app-redirects-to-authentik', note: 'a redirect to authentik can only come from the loaded forward-auth router' },
      { kind: 'check', ref: 'traefik-routers-loaded', note: "Traefik's API lists every rendered router enabled, with its rule, priority and middlewares" },
    ],
  },
  {
    section: CHECKLIST,
    id: 'tunnel-route',
    wording: 'The tunnel routes booxstream.kevinvdb.dev to traefik:80 (the seed edits /opt/cloudflare/config.yml).',
    line: '- [ ] Route dans `/opt/cloudflare/config.yml` : `booxstream.kevinvdb.dev → traefik:80`',
    coveredBy: [
      { kind: 'artifact', ref: `${PREVIEW_PATHS.cloudflaredConfig}#/ingress/0` },
      { kind: 'artifact', ref: `${PREVIEW_PATHS.tunnelConfigPulumi}#/ingresses/0` },
      { kind: 'resource', ref: `${RESOURCE_TYPES.tunnelConfig}#${GATEWAY_RESOURCE_NAMES.tunnelConfig}`, note: 'remotely-managed tunnel: the model hostnames, other rules kept' },
      { kind: 'resource', ref: `${RESOURCE_TYPES.dnsRecord}#${RESOURCES.dnsRecord}`, note: 'proxied CNAME to TUNNEL_ID.cfargotunnel.com, adopted or created' },
    ],
  },
  {
    section: CHECKLIST,
    id: 'authentik-provider',
    wording: 'authentik has a proxy provider named booxstream-proxy.',
    line: '- [ ] Provider `booxstream-proxy` créé',
    coveredBy: [
      { kind: 'artifact', ref: `${PROVIDER}#/name` },
      { kind: 'artifact', ref: `${PREVIEW_PATHS.blueprint(blueprintNames('all').fileName)}#/entries/0` },
    ],
  },
  {
    section: CHECKLIST,
    id: 'provider-external-host',
    wording: 'The provider\'s external host is https://booxstream.kevinvdb.dev.',
    line: '- External host: `https://booxstream.kevinvdb.dev`',
    coveredBy: [{ kind: 'artifact', ref: `${PROVIDER}#/external_host` }],
  },
  {
    section: CHECKLIST,
    id: 'provider-internal-host',
    wording: 'The provider\'s internal host is http://192.168.1.202:3001.',
    line: '- Internal host: `http://192.168.1.202:3001`',
    coveredBy: [
      { kind: 'artifact', ref: `${PROVIDER}#/internal_host`, note: 'recorded; unused in forward_single mode' },
      { kind: 'artifact', ref: `${BACKEND}/servers/0/url`, note: 'where traffic actually goes' },
    ],
  },
  {
    section: CHECKLIST,
    id: 'authentik-application',
    wording: 'authentik has an application named BooxStream.',
    line: '- [ ] Application `BooxStream` créée',
    coveredBy: [
      { kind: 'artifact', ref: `${APPLICATION}#/name` },
      { kind: 'artifact', ref: `${PREVIEW_PATHS.authentik(APP, 'policy-bindings')}#/0/group`, note: 'restricted to the allowed groups' },
    ],
  },
  {
    section: CHECKLIST,
    id: 'application-provider',
    wording: 'The application uses the booxstream-proxy provider.',
    line: '- Provider: `booxstream-proxy`',
    coveredBy: [
      { kind: 'artifact', ref: `${APPLICATION}#/provider` },
      { kind: 'artifact', ref: `${PREVIEW_PATHS.outpostProviders}#/providers`, note: 'and the provider is attached to the embedded outpost' },
    ],
  },
  {
    section: CHECKLIST,
    id: 'application-launch-url',
    wording: 'The application\'s launch URL is https://booxstream.kevinvdb.dev.',
    line: '- Launch URL: `https://booxstream.kevinvdb.dev`',
    coveredBy: [{ kind: 'artifact', ref: `${APPLICATION}#/meta_launch_url` }],
  },
  {
    section: CHECKLIST,
    id: 'application-metadata',
    wording: 'The application has an icon, a description and a publisher.',
    line: '- Métadonnées: Icon, Description, Publisher',
    coveredBy: [
      { kind: 'artifact', ref: `${APPLICATION}#/meta_icon` },
      { kind: 'artifact', ref: `${APPLICATION}#/meta_description` },
      { kind: 'artifact', ref: `${APPLICATION}#/meta_publisher` },
    ],
  },
  {
    section: CHECKLIST,
    id: 'server-running',
    wording: 'The BooxStream server (service booxstream-web) runs on port 3001 of its VM.',
    line: '- [ ] Service `booxstream-web` actif sur port 3001',
    coveredBy: [
      { kind: 'check', ref: 'healthz-through-gateway' },
      { kind: 'artifact', ref: `${BACKEND}/healthCheck`, note: 'Traefik keeps checking it' },
    ],
  },
  {
    section: CHECKLIST,
    id: 'server-reachable-from-gateway',
    wording: 'The gateway can reach the server: a request to http://192.168.1.202:3001/api/hosts answers.',
    line: '- [ ] Service accessible depuis le gateway : `curl http://192.168.1.202:3001/api/hosts`',
    coveredBy: [
      { kind: 'check', ref: 'bypass-reaches-server', note: 'a device path through the gateway reaches the server' },
      { kind: 'check', ref: 'forged-identity-ignored', note: 'and forged X-authentik-* headers do not reach it' },
      { kind: 'check', ref: 'forged-identity-counted', note: 'and the server\'s own counter shows a forged identity on a device route was blanked or ignored' },
      { kind: 'check', ref: 'bypass-methods-enforced', note: 'and only with the methods each device route allows' },
    ],
  },
  {
    section: TEST_FINAL,
    id: 'final-expect-redirect',
    wording: 'Final test, expectation: like Affine, the app answers a signed-out request with a 302 to authentik.',
    line: '# Doit retourner 302 (redirection Authentik) comme Affine',
    coveredBy: [
      { kind: 'check', ref: 'app-redirects-to-authentik', note: 'run for every app of the model, Affine included' },
      { kind: 'check', ref: 'forged-forwarded-host-ignored', note: 'and still so with a forged X-Forwarded-Host, which never reaches forward auth' },
      { kind: 'check', ref: 'signin-ends-at-login-flow', note: "followed to the end: authentik's page of the app's authentication flow, the two-factor one where mfa: lists the app" },
    ],
  },
  {
    section: TEST_FINAL,
    id: 'final-request',
    wording: 'Final test, the request: a HEAD request (curl -I) to https://booxstream.kevinvdb.dev/.',
    line: 'curl -I https://booxstream.kevinvdb.dev/',
    coveredBy: [{ kind: 'check', ref: 'app-redirects-to-authentik' }],
  },
]);
