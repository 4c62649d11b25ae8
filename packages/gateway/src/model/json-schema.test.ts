import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Ajv from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { GATEWAY_JSON_SCHEMA_PATH, gatewayJsonSchema, gatewayJsonSchemaText } from './json-schema.js';
import { EXAMPLE_GATEWAY_PATH } from './load.js';

const example = (): Record<string, any> => yaml.load(readFileSync(EXAMPLE_GATEWAY_PATH, 'utf8'), { schema: yaml.JSON_SCHEMA }) as Record<string, any>;
/** The example's deployed app's `deploy` section (BookStack's). */
const deployed = (g: Record<string, any>): Record<string, any> => (g['apps'] as Record<string, any>[]).find((a) => a['deploy'] !== undefined)!['deploy'];
// Compiled in each test, not at import: what a test checks must come from the code under test at that moment.
const compile = () => new Ajv({ allErrors: true, strict: false }).compile(gatewayJsonSchema());

describe('gateway.schema.json', () => {
  it('is the schema generated from the model (regenerate: pnpm --filter @booxstream/gateway schema)', () => {
    expect(readFileSync(GATEWAY_JSON_SCHEMA_PATH, 'utf8')).toBe(gatewayJsonSchemaText());
  });

  it("is the example's yaml-language-server schema", () => {
    const first = readFileSync(EXAMPLE_GATEWAY_PATH, 'utf8').split('\n')[0]!;
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m, first).not.toBeNull();
    expect(resolve(dirname(EXAMPLE_GATEWAY_PATH), m![1]!)).toBe(GATEWAY_JSON_SCHEMA_PATH);
  });

  it('accepts the example and a minimal gateway (defaulted fields optional), as an editor would', () => {
    const check = compile();
    expect(check(example()), JSON.stringify(check.errors)).toBe(true);
    const minimal = example();
    delete minimal['traefik'].entryPoint;
    delete minimal['traefik'].configDir;
    delete minimal['authentik'].flows;
    delete minimal['tunnelRoutes'];
    expect(check(minimal), JSON.stringify(check.errors)).toBe(true);
    expect(gatewayJsonSchema()).toMatchObject({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'BooxStream gateway', type: 'object' });
  });

  it('flags what an editor can see: unknown keys, missing fields, bad patterns and enums', () => {
    const cases: [string, (g: Record<string, any>) => void, string][] = [
      ['unknown key', (g) => (g['domian'] = 'x'), 'additionalProperties'],
      ['missing allowedGroups', (g) => delete g['apps'][0].allowedGroups, 'required'],
      ['app name pattern', (g) => (g['apps'][0].name = 'Boox Stream'), 'pattern'],
      ['policy engine mode', (g) => (g['apps'][0].authentik.policyEngineMode = 'some'), 'enum'],
      ['rate limit range', (g) => (g['apps'][0].rateLimit = { average: 0, period: '1m', burst: 1 }), 'minimum'],
      ['partial flows', (g) => delete g['authentik'].flows.invalidation, 'required'],
      ['deploy: image not pinned', (g) => (deployed(g).container.image.pull = 'lscr.io/linuxserver/bookstack:latest'), 'pattern'],
      ['deploy: unknown key', (g) => (deployed(g).container.helthCheck = deployed(g).container.healthCheck), 'additionalProperties'],
      ['deploy: health check missing', (g) => delete deployed(g).container.healthCheck, 'required'],
      ['deploy: engine', (g) => (deployed(g).database.engine = 'postgres'), 'const'],
      ['deploy: env name', (g) => (deployed(g).container.env['1X'] = 'y'), 'pattern'],
    ];
    const check = compile();
    for (const [name, mutate, keyword] of cases) {
      const g = example();
      mutate(g);
      expect(check(g), name).toBe(false);
      expect(check.errors?.map((e) => e.keyword), name).toContain(keyword);
    }
  });
});
