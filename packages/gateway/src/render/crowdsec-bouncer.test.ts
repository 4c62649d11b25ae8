import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadExampleGateway } from '../model/load.js';
import { validateGateway } from '../model/validate.js';
import { renderTraefikIdsStaticConfig } from './crowdsec-bouncer.js';
import { renderTraefikDynamicConfig } from './traefik.js';

// SchemaStore's Traefik v3 schemas, vendored with their source and digest (vendor/schemastore/SOURCE.md).
const schema = (name: string) => JSON.parse(readFileSync(new URL(`../../../../vendor/schemastore/${name}`, import.meta.url), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
const validateDynamic = ajv.compile(schema('traefik-v3-file-provider.json'));
const validateStatic = ajv.compile(schema('traefik-v3.json'));

const gateway = loadExampleGateway();
const ids = gateway.ids!;

describe('the CrowdSec bouncer in the Traefik files', () => {
  it.each(gateway.apps.map((app) => [app.name, app] as const))('%s: the bouncer is the first middleware of every router', (_name, app) => {
    const file = renderTraefikDynamicConfig(gateway, app);
    const routers = Object.entries(file.document.http.routers);
    expect(routers.length).toBeGreaterThanOrEqual(2);
    for (const [, router] of routers) expect(router.middlewares[0]).toBe(`${app.name}-crowdsec@file`);
    expect(validateDynamic(yaml.load(file.yaml))).toBe(true);
  });

  it('trusts Cf-Connecting-Ip only from cloudflared and reads its key from a file (no key in the rendered file)', () => {
    const file = renderTraefikDynamicConfig(gateway, gateway.apps[0]!);
    const bouncer = (file.document.http.middlewares['booxstream-crowdsec'] as { plugin: { bouncer: Record<string, unknown> } }).plugin.bouncer;
    expect(bouncer).toMatchObject({
      enabled: true,
      crowdsecMode: 'stream',
      crowdsecLapiScheme: 'http',
      crowdsecLapiHost: 'crowdsec:8080',
      crowdsecLapiKeyFile: ids.bouncerKeyFile,
      forwardedHeadersCustomName: 'Cf-Connecting-Ip',
      forwardedHeadersTrustedIPs: ['172.18.0.0/16'],
    });
    expect(bouncer).not.toHaveProperty('crowdsecLapiKey');
  });

  it('without an ids: section no router has a bouncer', () => {
    const { ids: _off, ...rest } = structuredClone(gateway) as unknown as Record<string, unknown>;
    const plain = validateGateway(rest);
    const file = renderTraefikDynamicConfig(plain, plain.apps[0]!);
    expect(file.yaml).not.toContain('crowdsec');
  });
});

describe("Traefik's static configuration for the layer", () => {
  const staticConfig = renderTraefikIdsStaticConfig(ids);

  it("validates against Traefik's static-configuration schema", () => {
    const ok = validateStatic(staticConfig);
    expect(validateStatic.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema catches a misspelt field (the check can fail)', () => {
    expect(validateStatic({ ...staticConfig, accessLog: { ...staticConfig.accessLog, fromat: 'json' } })).toBe(false);
  });

  it('a JSON access log that keeps Cf-Connecting-Ip and redacts credentials; the plugin pinned', () => {
    expect(staticConfig.accessLog).toMatchObject({ format: 'json', filePath: ids.accessLogPath });
    expect(staticConfig.accessLog.fields.headers.names).toMatchObject({ 'Cf-Connecting-Ip': 'keep', Authorization: 'redact', Cookie: 'redact' });
    expect(staticConfig.experimental.plugins['bouncer']).toEqual({ moduleName: 'github.com/maxlerebourg/crowdsec-bouncer-traefik-plugin', version: ids.pluginVersion });
  });
});

describe('the ids: section of the model', () => {
  it('names each bad field', () => {
    const input = structuredClone(gateway) as unknown as Record<string, unknown>;
    input['ids'] = { cloudflaredAddresses: ['cloudflared'], banDurations: ['5 minutes'], lapiUrl: 'crowdsec:8080', colour: 'red' };
    expect(() => validateGateway(input)).toThrow(/ids\.cloudflaredAddresses\[0\]: must be an IP address or CIDR/);
    expect(() => validateGateway(input)).toThrow(/ids\.banDurations\[0\]: must be a Go duration/);
    expect(() => validateGateway(input)).toThrow(/ids\.lapiUrl: must be http/);
    expect(() => validateGateway(input)).toThrow(/ids\.colour: is not a known field/);
  });

  it('refuses a layer without cloudflared addresses (every visitor would share one ban)', () => {
    const input = structuredClone(gateway) as unknown as Record<string, unknown>;
    input['ids'] = {};
    expect(() => validateGateway(input)).toThrow(/ids\.cloudflaredAddresses: is required/);
  });
});
