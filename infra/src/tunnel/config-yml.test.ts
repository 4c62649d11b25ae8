import { describe, expect, it } from 'vitest';
import { configYmlRules, ConfigYmlError, mergeConfigYml } from './config-yml.js';

const LIVE = `# Written by hand on the gateway. Do not lose this comment.
tunnel: 6ff42ae2-765d-4adf-8112-31c55c1551ef
credentials-file: /home/nonroot/.cloudflared/6ff42ae2.json
metrics: 0.0.0.0:2000
warp-routing:
  enabled: true
originRequest:
  connectTimeout: 30s
ingress:
  # Affine, with its own TLS settings
  - hostname: affine.kevinvdb.dev
    service: https://traefik:443
    originRequest:
      originServerName: affine.kevinvdb.dev
      caPool: /etc/cloudflared/home-ca.pem
      http2Origin: true
  - hostname: ssh.kevinvdb.dev
    service: ssh://192.168.1.10:22
  - service: http_status:404
`;

const BOOX = { 'booxstream.kevinvdb.dev': { hostname: 'booxstream.kevinvdb.dev', service: 'http://traefik:80' } };

describe('mergeConfigYml', () => {
  it('inserts our rule before the catch-all and keeps every other line, comments included', () => {
    const r = mergeConfigYml('/opt/cloudflare/config.yml', LIVE, { desired: BOOX, owned: [], adopted: {} });
    expect(r.changed).toBe(true);
    const without = r.text.replace('  - hostname: booxstream.kevinvdb.dev\n    service: http://traefik:80\n', '');
    expect(without).toBe(LIVE);
    expect(configYmlRules(r.text).map((x) => x.hostname ?? '*')).toEqual(['affine.kevinvdb.dev', 'ssh.kevinvdb.dev', 'booxstream.kevinvdb.dev', '*']);
  });

  it('removes only ours on release, giving back the file as it was', () => {
    const up = mergeConfigYml('/c', LIVE, { desired: BOOX, owned: [], adopted: {} });
    const down = mergeConfigYml('/c', up.text, { desired: {}, owned: Object.keys(BOOX), adopted: up.adopted });
    expect(down.text).toBe(LIVE);
  });

  it('adopts a rule for a model hostname, keeps its settings, and restores it exactly', () => {
    const desired = { 'affine.kevinvdb.dev': { hostname: 'affine.kevinvdb.dev', service: 'http://traefik:80' } };
    const up = mergeConfigYml('/c', LIVE, { desired, owned: [], adopted: {} });
    expect(configYmlRules(up.text)[0]).toMatchObject({ service: 'http://traefik:80', originRequest: { caPool: '/etc/cloudflared/home-ca.pem' } });
    const down = mergeConfigYml('/c', up.text, { desired: {}, owned: Object.keys(desired), adopted: up.adopted });
    expect(configYmlRules(down.text)).toEqual(configYmlRules(LIVE));
  });

  it('changes nothing when the file already says it', () => {
    const up = mergeConfigYml('/c', LIVE, { desired: BOOX, owned: [], adopted: {} });
    const again = mergeConfigYml('/c', up.text, { desired: BOOX, owned: Object.keys(BOOX), adopted: up.adopted });
    expect(again.changed).toBe(false);
    expect(again.text).toBe(up.text);
  });

  it('refuses a file that is not a cloudflared config, naming it', () => {
    expect(() => mergeConfigYml('/opt/cloudflare/config.yml', 'ingress: {a: 1}\n', { desired: BOOX, owned: [], adopted: {} })).toThrow(ConfigYmlError);
    expect(() => mergeConfigYml('/opt/cloudflare/config.yml', 'a: [\n', { desired: BOOX, owned: [], adopted: {} })).toThrow(/\/opt\/cloudflare\/config.yml: not valid YAML/);
  });
});
