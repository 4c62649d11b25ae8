import { describe, expect, it } from 'vitest';
import { loadAuthentikOpenApi } from '../authentik/openapi.js';
import { loadExampleGateway } from '../model/load.js';
import { NameCollisionError } from '../model/names.js';
import { placeholderPks, renderPreview, type PreviewFile } from './render.js';

const gateway = loadExampleGateway();
// Rendered inside each test that uses it, fresh (no cache, not at import or in a hook): a
// renderer that throws then fails those tests, and mutation testing's per-test coverage sees
// every test that reads the output (Stryker's vitest runner scores load and hook errors as survivors).
const files = (): PreviewFile[] => renderPreview(gateway, 'packages/gateway/examples/home.gateway.yaml');
const byPath = (): Map<string, string> => new Map(files().map((f) => [f.path, f.content]));

describe('renderPreview', () => {
  it('renders the Traefik files, tunnel rules, authentik bodies, blueprints and a summary', () => {
    expect(files().map((f) => f.path)).toEqual([
      'traefik/booxstream.yml',
      'traefik/affine.yml',
      'traefik/bookstack.yml',
      'cloudflared/config.yml',
      'cloudflared/tunnel-config.pulumi.json',
      'cloudflared/tunnel-config.api.json',
      'authentik/booxstream/lookups.json',
      'authentik/booxstream/provider.json',
      'authentik/booxstream/application.json',
      'authentik/booxstream/policy-bindings.json',
      'authentik/affine/lookups.json',
      'authentik/affine/provider.json',
      'authentik/affine/application.json',
      'authentik/affine/policy-bindings.json',
      'authentik/bookstack/lookups.json',
      'authentik/bookstack/provider.json',
      'authentik/bookstack/application.json',
      'authentik/bookstack/policy-bindings.json',
      'authentik/outpost-providers.json',
      'authentik/blueprints/booxstream-gateway-all.yaml',
      'authentik/blueprints/booxstream-gateway-booxstream.yaml',
      'authentik/blueprints/booxstream-gateway-affine.yaml',
      'authentik/blueprints/booxstream-gateway-bookstack.yaml',
      'deploy/bookstack/plan.json',
      'deploy/bookstack/bookstack-db.cnf',
      'deploy/bookstack/50-bookstack-exporter-user.sh',
      'deploy/bookstack/dump-bookstack-db.sh',
      'deploy/bookstack/restore-bookstack-db.sh',
      'crowdsec/acquis.d/booxstream.yaml',
      'crowdsec/parsers/s00-raw/booxstream-traefik-raw.yaml',
      'crowdsec/parsers/s01-parse/booxstream-traefik-json.yaml',
      'crowdsec/parsers/s01-parse/booxstream-relay-json.yaml',
      'crowdsec/scenarios/booxstream-relay-device-auth-bf.yaml',
      'crowdsec/scenarios/booxstream-relay-registration-flood.yaml',
      'crowdsec/profiles.yaml',
      'crowdsec/hub-items.json',
      'traefik/static/ids.yml',
      'host/booxstream-vm/booxstream-vm.nft',
      'host/booxstream-vm/booxstream-vm-sshd.local',
      'host/booxstream-vm/90-booxstream-vm-hardening.conf',
      'host/booxstream-vm/60-booxstream-vm.rules',
      'host/gateway/gateway.nft',
      'host/gateway/gateway-sshd.local',
      'host/gateway/90-gateway-hardening.conf',
      'host/gateway/60-gateway.rules',
      'SUMMARY.md',
    ]);
  });

  it('is deterministic', () => {
    expect(renderPreview(gateway, 'packages/gateway/examples/home.gateway.yaml')).toEqual(files());
  });

  it('uses placeholder keys that are valid but obviously fake', () => {
    const pks = placeholderPks(gateway);
    expect(pks.flows.authorization).toBe('00000000-0000-4000-8000-000000000001');
    expect(new Set([...Object.values(pks.flows), ...Object.values(pks.groups), ...pks.apps.map((a) => a.applicationPbmUuid)]).size).toBe(6);
    const provider = JSON.parse(byPath().get('authentik/booxstream/provider.json')!);
    expect(loadAuthentikOpenApi().validateComponent('ProxyProviderRequest', provider)).toEqual([]);
  });

  it('summarises what would be created', () => {
    const summary = byPath().get('SUMMARY.md')!;
    expect(summary).toContain('booxstream.kevinvdb.dev → `http://traefik:80`');
    // The catch-all stays the live tunnel's own: only the model's hostnames are listed.
    expect(summary).not.toContain('http_status:404');
    expect(summary).toContain('every other rule of the tunnel stays as it is');
    expect(summary).toContain('Proxy provider `booxstream-proxy`');
  });

  it("adds the caller's sections to the summary after the file list, in order", () => {
    const summarySections = [
      { heading: 'First', lines: ['one'] },
      { heading: 'Second', lines: ['two', 'lines'] },
    ];
    const summary = renderPreview(gateway, 'x.yaml', { summarySections }).find((f) => f.path === 'SUMMARY.md')!.content;
    expect(summary).toContain('\n## First\n\none\n\n## Second\n\ntwo\nlines\n\n## Traefik static configuration');
    expect(summary.indexOf('## Files')).toBeLessThan(summary.indexOf('## First'));
    expect(byPath().get('SUMMARY.md')).not.toContain('## First');
  });

  it('refuses a model whose derived names collide, before rendering anything', () => {
    const apps = gateway.apps.map((app, i) => (i === 1 ? { ...app, allowedGroups: ['Admins'] } : app));
    expect(() => renderPreview({ ...gateway, apps }, 'x.yaml')).toThrow(NameCollisionError);
  });

  it('carries no secret-looking material', () => {
    // Deployed apps name their secrets (files, env vars pointing at them); no value may appear.
    const namesSecrets = (path: string) => path.startsWith('deploy/') || path === 'SUMMARY.md';
    for (const f of files().filter((x) => !namesSecrets(x.path))) expect(f.content, f.path).not.toMatch(/token|secret|password|BEGIN [A-Z ]*PRIVATE KEY/i);
    for (const f of files().filter((x) => namesSecrets(x.path))) {
      expect(f.content, f.path).not.toMatch(/password\s*[=:]\s*"?[A-Za-z0-9]{8,}|base64:[A-Za-z0-9+/=]{16,}|BEGIN [A-Z ]*PRIVATE KEY|token/i);
    }
  });

  it('matches the snapshots', async () => {
    for (const f of files()) await expect(f.content).toMatchFileSnapshot(`./__snapshots__/home/${f.path}`);
  });
});
