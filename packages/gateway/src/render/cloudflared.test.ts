import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadExampleGateway } from '../model/load.js';
import { RenderedInvalidError } from '../errors.js';
import { validateGateway } from '../model/validate.js';
import { CATCH_ALL_SERVICE, type IngressRule, type RenderedTunnelIngress, renderTunnelIngress, validateIngress } from './cloudflared.js';

const gateway = loadExampleGateway();
// Rendered inside each test that uses it, fresh (no cache, not at import or in a hook): a
// renderer that throws then fails those tests, and mutation testing's per-test coverage sees
// every test that reads the output (Stryker's vitest runner scores load and hook errors as survivors).
const rendered = (): RenderedTunnelIngress => renderTunnelIngress(gateway);

describe('validateIngress (cloudflared ingress/ingress.go)', () => {
  const ok: IngressRule[] = [{ hostname: 'a.example.com', service: 'http://traefik:80' }, { service: 'http_status:404' }];

  it('accepts a list ending in a catch-all', () => {
    expect(validateIngress(ok)).toEqual([]);
    expect(validateIngress([{ hostname: '*', service: 'http_status:404' }])).toEqual([]);
  });

  it('refuses an empty list', () => {
    expect(validateIngress([])).toEqual(["The config file doesn't contain any ingress rules"]);
  });

  it('requires the last rule to match everything, hostname and path', () => {
    expect(validateIngress([ok[0]!])).toEqual(['The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)']);
    expect(validateIngress([ok[0]!, { path: '^/api', service: 'http_status:404' }])).toEqual([
      'The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)',
    ]);
  });

  it('refuses a catch-all anywhere but last', () => {
    expect(validateIngress([{ service: 'http_status:404' }, ...ok])).toEqual([
      "Rule #1 is matching the hostname '', but this will match every hostname, meaning the rules which follow it will never be triggered.",
    ]);
    expect(validateIngress([{ hostname: '*', service: 'http://x:1' }, ...ok])[0]).toContain("Rule #1 is matching the hostname '*'");
  });

  it('allows a wildcard only in first position', () => {
    expect(validateIngress([{ hostname: '*.example.com', service: 'http://x:1' }, ok[1]!])).toEqual([]);
    expect(validateIngress([{ hostname: 'a.*.example.com', service: 'http://x:1' }, ok[1]!])).toEqual([
      'Rule #1: Hostname patterns can have at most one wildcard character ("*") and it can only be used for subdomains, e.g. "*.example.com"',
    ]);
  });

  it('refuses a port in a hostname', () => {
    expect(validateIngress([{ hostname: 'a.example.com:443', service: 'http://x:1' }, ok[1]!])).toEqual(['Rule #1: Hostname cannot contain a port']);
  });

  it('refuses a path in a service, and a service without scheme or host', () => {
    expect(validateIngress([{ hostname: 'a.example.com', service: 'http://traefik:80/' }, ok[1]!])).toEqual([
      "http://traefik:80/ is an invalid address, ingress rules don't support proxying to a different path on the origin service. The path will be the same as the eyeball request's path",
    ]);
    expect(validateIngress([{ hostname: 'a.example.com', service: 'traefik:80' }, ok[1]!])).toEqual([
      'traefik:80 is an invalid address, please make sure it has a scheme and a hostname',
    ]);
  });

  it('checks http_status codes', () => {
    expect(validateIngress([{ service: 'http_status:1000' }])).toEqual(['Rule #1: invalid HTTP status code: 1000']);
    expect(validateIngress([{ service: 'http_status:nope' }])[0]).toContain('invalid HTTP status code');
  });

  it('refuses an invalid path regex', () => {
    expect(validateIngress([{ hostname: 'a.example.com', path: '(', service: 'http://x:1' }, ok[1]!])[0]).toMatch(/^Rule #1 has an invalid regex/);
  });

  it('accepts the non-URL services cloudflared knows', () => {
    for (const service of ['hello_world', 'hello-world', 'bastion', 'socks-proxy', 'unix:/run/app.sock', 'unix+tls:/run/app.sock', 'ssh://localhost:22', 'tcp://db:5432']) {
      expect(validateIngress([{ hostname: 'a.example.com', service }, ok[1]!]), service).toEqual([]);
    }
  });

  it('flags a rule an earlier rule always wins over (our check)', () => {
    expect(validateIngress([ok[0]!, { hostname: 'a.example.com', path: '^/api', service: 'http://x:1' }, ok[1]!])).toEqual([
      "Rule #2 is never reached: rule #1 already matches hostname 'a.example.com' for every path.",
    ]);
    expect(validateIngress([{ hostname: 'a.example.com', path: '^/api', service: 'http://x:1' }, ...ok])).toEqual([]);
  });

  it('reports every problem, not only the first', () => {
    expect(validateIngress([{ hostname: 'a:1', service: 'nope' }, { hostname: 'b.example.com', service: 'http://x:1' }])).toHaveLength(3);
  });
});

describe('renderTunnelIngress', () => {
  it('routes every app to Traefik, then the other routes, then the catch-all', () => {
    expect(rendered().rules).toEqual([
      { hostname: 'booxstream.kevinvdb.dev', service: 'http://traefik:80' },
      { hostname: 'affine.kevinvdb.dev', service: 'http://traefik:80' },
      { hostname: 'bookstack.kevinvdb.dev', service: 'http://traefik:80' },
      { hostname: 'auth.kevinvdb.dev', service: 'http://traefik:80' },
      { hostname: 'homepage.kevinvdb.dev', service: 'http://traefik:80' },
      { service: CATCH_ALL_SERVICE },
    ]);
    expect(validateIngress(rendered().rules)).toEqual([]);
  });

  it('gives Pulumi its `ingresses` shape and the API its `config.ingress` shape', () => {
    expect(rendered().cloudflareConfig.ingresses).toEqual(rendered().rules);
    expect(rendered().apiBody).toEqual({ config: { ingress: rendered().rules } });
    expect(rendered().cloudflareConfig).not.toHaveProperty('originRequest');
  });

  it('writes a config.yml cloudflared would load', () => {
    const doc = yaml.load(rendered().configYml) as Record<string, unknown>;
    expect(doc).toEqual({
      tunnel: '00000000-0000-4000-8000-00000000beef',
      'credentials-file': '/etc/cloudflared/00000000-0000-4000-8000-00000000beef.json',
      ingress: rendered().rules,
    });
  });

  it('spells originRequest the way each consumer expects', () => {
    const input = JSON.parse(JSON.stringify(gateway)) as Record<string, any>;
    input['tunnelRoutes'].push({
      hostname: 'nas.kevinvdb.dev',
      path: '^/dav',
      service: 'https://192.168.1.10:5001',
      originRequest: { connectTimeout: 30, noTlsVerify: true, httpHostHeader: 'nas.local' },
    });
    const out = renderTunnelIngress(validateGateway(input));
    expect(out.cloudflareConfig.ingresses.at(-2)).toEqual({
      hostname: 'nas.kevinvdb.dev',
      path: '^/dav',
      service: 'https://192.168.1.10:5001',
      originRequest: { connectTimeout: 30, noTlsVerify: true, httpHostHeader: 'nas.local' },
    });
    expect(out.apiBody.config.ingress.at(-2)?.originRequest).toEqual({ connectTimeout: 30, noTLSVerify: true, httpHostHeader: 'nas.local' });
    const yml = yaml.load(out.configYml) as { ingress: { originRequest?: unknown }[] };
    expect(yml.ingress.at(-2)?.originRequest).toEqual({ connectTimeout: '30s', noTLSVerify: true, httpHostHeader: 'nas.local' });
  });

  it('ends every list with the 404 catch-all', () => {
    expect(CATCH_ALL_SERVICE).toBe('http_status:404');
    expect(rendered().rules.at(-1)).toEqual({ service: 'http_status:404' });
  });

  it('carries a route path and partial origin settings to every consumer, and leaves unset ones out', () => {
    const input = JSON.parse(JSON.stringify(gateway)) as Record<string, any>;
    input['tunnelRoutes'].push({ hostname: 'nas.kevinvdb.dev', path: '^/dav', service: 'https://192.168.1.10:5001', originRequest: { noTlsVerify: true } });
    const out = renderTunnelIngress(validateGateway(input));
    const nas = { hostname: 'nas.kevinvdb.dev', path: '^/dav', service: 'https://192.168.1.10:5001' };
    expect(out.cloudflareConfig.ingresses.at(-2)).toEqual({ ...nas, originRequest: { noTlsVerify: true } });
    expect(out.apiBody.config.ingress.at(-2)).toEqual({ ...nas, originRequest: { noTLSVerify: true } });
    const yml = yaml.load(out.configYml) as { ingress: unknown[] };
    expect(yml.ingress.at(-2)).toEqual({ ...nas, originRequest: { noTLSVerify: true } });
  });

  it('writes YAML with double quotes where quoting is needed and never folds a long value', () => {
    const input = JSON.parse(JSON.stringify(gateway)) as Record<string, any>;
    const longHost = `${'very-long-label-'.repeat(6)}nas.local`;
    input['tunnelRoutes'].push({ hostname: 'nas.kevinvdb.dev', path: '[a-z]+', service: 'https://192.168.1.10:5001', originRequest: { httpHostHeader: longHost } });
    const { configYml } = renderTunnelIngress(validateGateway(input));
    expect(configYml).toContain('path: "[a-z]+"');
    expect(configYml).toContain(`httpHostHeader: ${longHost}\n`);
  });

  it('refuses to render a list cloudflared would refuse, with every problem', () => {
    const input = JSON.parse(JSON.stringify(gateway)) as Record<string, any>;
    // Valid for the model, but an earlier rule already takes this hostname for every path.
    input['tunnelRoutes'].push({ hostname: 'auth.kevinvdb.dev', path: '^/x', service: 'http://traefik:80' });
    expect(() => renderTunnelIngress(validateGateway(input))).toThrow(RenderedInvalidError);
    const first = rendered().rules.findIndex((r) => r.hostname === 'auth.kevinvdb.dev') + 1;
    const added = rendered().rules.length; // the new rule goes just before the catch-all
    expect(() => renderTunnelIngress(validateGateway(input))).toThrow(
      `rendered cloudflared ingress is invalid:\n  - Rule #${added} is never reached: rule #${first} already matches hostname 'auth.kevinvdb.dev' for every path.`,
    );
  });

  it('matches the snapshots', async () => {
    await expect(rendered().configYml).toMatchFileSnapshot('./__snapshots__/cloudflared/config.yml');
    await expect(JSON.stringify(rendered().apiBody, null, 2)).toMatchFileSnapshot('./__snapshots__/cloudflared/tunnel-config.api.json');
  });
});
