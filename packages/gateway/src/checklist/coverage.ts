/**
 * Where each line of the seed's "Checklist de Configuration" and "Test Final"
 * (shared/seeds/000_*.txt) is taken care of now that the gateway is rendered and deployed:
 * by a rendered artifact (a file of `pnpm preview`, optionally a JSON pointer into it), a
 * resource of the Pulumi program (type token + logical role), or a post-deploy check of
 * `pnpm verify` (check id).
 *
 * Lines are quoted exactly as the seed writes them (trimmed). `coverage.test.ts` re-reads the
 * seed and fails if a line is missing here, and resolves every artifact ref against the preview.
 */

export type CoverageKind = 'artifact' | 'resource' | 'check';

export interface Coverage {
  readonly kind: CoverageKind;
  /**
   * - artifact: preview path, optionally `#<JSON pointer>` into the parsed file;
   * - resource: `<Pulumi type token>#<logical role>`;
   * - check: a `pnpm verify` check id.
   */
  readonly ref: string;
  /** Why this covers the line, when it is not obvious. */
  readonly note?: string;
}

export interface ChecklistLine {
  readonly section: 'Checklist de Configuration' | 'Test Final';
  /** The seed's line, verbatim (leading/trailing spaces trimmed). */
  readonly line: string;
  readonly coveredBy: readonly Coverage[];
}

/** The post-deploy checks `pnpm verify` (infra) implements. */
export const VERIFY_CHECK_IDS = Object.freeze([
  'app-redirects-to-authentik',
  'bypass-reaches-server',
  'forged-identity-ignored',
  'healthz-through-gateway',
] as const);

export type VerifyCheckId = (typeof VERIFY_CHECK_IDS)[number];

/** Pulumi type tokens the coverage refers to (gateway-facts §1, §5). */
export const RESOURCE_TYPES = Object.freeze({
  tunnelConfig: 'cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig',
  dnsRecord: 'cloudflare:index/dnsRecord:DnsRecord',
  copyToRemote: 'command:remote:CopyToRemote',
});

const CHECKLIST = 'Checklist de Configuration' as const;
const TEST_FINAL = 'Test Final' as const;

export const checklistCoverage: readonly ChecklistLine[] = Object.freeze([
  {
    section: CHECKLIST,
    line: '- [ ] Fichier `/opt/traefik/config/booxstream.yml` créé',
    coveredBy: [
      { kind: 'artifact', ref: 'traefik/booxstream.yml#/http/routers/booxstream' },
      { kind: 'resource', ref: `${RESOURCE_TYPES.copyToRemote}#traefik-file-booxstream`, note: 'writes the rendered file to /opt/traefik/config/booxstream.yml' },
    ],
  },
  {
    section: CHECKLIST,
    line: '- [ ] Traefik redémarré pour charger la config',
    coveredBy: [
      {
        kind: 'artifact',
        ref: 'traefik/booxstream.yml',
        note: 'no restart needed: the file provider watches its directory and hot-reloads changed files (gateway-facts §2.7)',
      },
      { kind: 'check', ref: 'app-redirects-to-authentik', note: 'a redirect to authentik can only come from the loaded forward-auth router' },
    ],
  },
  {
    section: CHECKLIST,
    line: '- [ ] Route dans `/opt/cloudflare/config.yml` : `booxstream.kevinvdb.dev → traefik:80`',
    coveredBy: [
      { kind: 'artifact', ref: 'cloudflared/config.yml#/ingress/0' },
      { kind: 'artifact', ref: 'cloudflared/tunnel-config.pulumi.json#/ingresses/0' },
      { kind: 'resource', ref: `${RESOURCE_TYPES.tunnelConfig}#tunnel-ingress`, note: 'remotely-managed tunnel: the whole rule list' },
      { kind: 'resource', ref: `${RESOURCE_TYPES.dnsRecord}#booxstream-cname`, note: 'proxied CNAME to TUNNEL_ID.cfargotunnel.com' },
    ],
  },
  {
    section: CHECKLIST,
    line: '- [ ] Provider `booxstream-proxy` créé',
    coveredBy: [
      { kind: 'artifact', ref: 'authentik/booxstream/provider.json#/name' },
      { kind: 'artifact', ref: 'authentik/blueprints/booxstream-gateway-all.yaml#/entries/0' },
    ],
  },
  {
    section: CHECKLIST,
    line: '- External host: `https://booxstream.kevinvdb.dev`',
    coveredBy: [{ kind: 'artifact', ref: 'authentik/booxstream/provider.json#/external_host' }],
  },
  {
    section: CHECKLIST,
    line: '- Internal host: `http://192.168.1.202:3001`',
    coveredBy: [
      { kind: 'artifact', ref: 'authentik/booxstream/provider.json#/internal_host', note: 'recorded; unused in forward_single mode' },
      { kind: 'artifact', ref: 'traefik/booxstream.yml#/http/services/booxstream-backend/loadBalancer/servers/0/url', note: 'where traffic actually goes' },
    ],
  },
  {
    section: CHECKLIST,
    line: '- [ ] Application `BooxStream` créée',
    coveredBy: [
      { kind: 'artifact', ref: 'authentik/booxstream/application.json#/name' },
      { kind: 'artifact', ref: 'authentik/booxstream/policy-bindings.json#/0/group', note: 'restricted to the allowed groups' },
    ],
  },
  {
    section: CHECKLIST,
    line: '- Provider: `booxstream-proxy`',
    coveredBy: [
      { kind: 'artifact', ref: 'authentik/booxstream/application.json#/provider' },
      { kind: 'artifact', ref: 'authentik/outpost-providers.json#/providers', note: 'and the provider is attached to the embedded outpost' },
    ],
  },
  {
    section: CHECKLIST,
    line: '- Launch URL: `https://booxstream.kevinvdb.dev`',
    coveredBy: [{ kind: 'artifact', ref: 'authentik/booxstream/application.json#/meta_launch_url' }],
  },
  {
    section: CHECKLIST,
    line: '- Métadonnées: Icon, Description, Publisher',
    coveredBy: [
      { kind: 'artifact', ref: 'authentik/booxstream/application.json#/meta_icon' },
      { kind: 'artifact', ref: 'authentik/booxstream/application.json#/meta_description' },
      { kind: 'artifact', ref: 'authentik/booxstream/application.json#/meta_publisher' },
    ],
  },
  {
    section: CHECKLIST,
    line: '- [ ] Service `booxstream-web` actif sur port 3001',
    coveredBy: [
      { kind: 'check', ref: 'healthz-through-gateway' },
      { kind: 'artifact', ref: 'traefik/booxstream.yml#/http/services/booxstream-backend/loadBalancer/healthCheck', note: 'Traefik keeps checking it' },
    ],
  },
  {
    section: CHECKLIST,
    line: '- [ ] Service accessible depuis le gateway : `curl http://192.168.1.202:3001/api/hosts`',
    coveredBy: [
      { kind: 'check', ref: 'bypass-reaches-server', note: 'a device path through the gateway reaches the server' },
      { kind: 'check', ref: 'forged-identity-ignored', note: 'and forged X-authentik-* headers do not reach it' },
    ],
  },
  {
    section: TEST_FINAL,
    line: '# Doit retourner 302 (redirection Authentik) comme Affine',
    coveredBy: [{ kind: 'check', ref: 'app-redirects-to-authentik', note: 'run for every app of the model, Affine included' }],
  },
  {
    section: TEST_FINAL,
    line: 'curl -I https://booxstream.kevinvdb.dev/',
    coveredBy: [{ kind: 'check', ref: 'app-redirects-to-authentik' }],
  },
]);

/**
 * The lines of the seed's checklist and final test, trimmed, in order: list items of the
 * "Checklist de Configuration" section and the non-fence lines of the "Test Final" code block.
 */
export function extractChecklistLines(seed: string): { section: ChecklistLine['section']; line: string }[] {
  const out: { section: ChecklistLine['section']; line: string }[] = [];
  let section: ChecklistLine['section'] | undefined;
  let inCode = false;
  for (const raw of seed.split(/\r?\n/)) {
    const line = raw.trim();
    if (/^##\s/.test(raw) && !/^###/.test(raw)) {
      section = line.includes('Checklist de Configuration') ? CHECKLIST : undefined;
      continue;
    }
    if (section === undefined) continue;
    if (/^###\s+Test Final/.test(line)) {
      section = TEST_FINAL;
      continue;
    }
    if (line.startsWith('```')) {
      inCode = !inCode;
      continue;
    }
    if (line === '' || line === '---' || line.startsWith('###')) continue;
    if (section === TEST_FINAL ? inCode : line.startsWith('- ')) out.push({ section, line });
  }
  return out;
}
