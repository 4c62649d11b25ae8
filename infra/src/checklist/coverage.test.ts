import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { BLUEPRINT_SCHEMA, loadExampleGateway, renderPreview } from '@booxstream/gateway';
import { VERIFY_CHECK_IDS } from '../verify/check-ids.js';
import { CHECKLIST_SOURCE, checklistCoverage, RESOURCE_TYPES } from './coverage.js';
import { checklistCoverageSection } from './summary.js';

const preview = new Map(
  renderPreview(loadExampleGateway(), 'examples/home.gateway.yaml', { summarySections: [checklistCoverageSection()] }).map((f) => [f.path, f.content]),
);

function parseArtifact(path: string): unknown {
  const text = preview.get(path);
  if (text === undefined) throw new Error(`the preview renders no ${path}`);
  if (path.endsWith('.json')) return JSON.parse(text);
  if (path.endsWith('.yml') || path.endsWith('.yaml')) return yaml.load(text, { schema: BLUEPRINT_SCHEMA });
  return text;
}

function resolvePointer(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  return node;
}

describe('checklist coverage', () => {
  it("holds the document's whole checklist and final test, in its order", () => {
    expect(checklistCoverage.map((l) => l.id)).toEqual([
      'traefik-file',
      'traefik-reload',
      'tunnel-route',
      'authentik-provider',
      'provider-external-host',
      'provider-internal-host',
      'authentik-application',
      'application-provider',
      'application-launch-url',
      'application-metadata',
      'server-running',
      'server-reachable-from-gateway',
      'final-expect-redirect',
      'final-request',
    ]);
    expect(checklistCoverage.filter((l) => l.section === 'Test Final').map((l) => l.line)).toEqual([
      '# Doit retourner 302 (redirection Authentik) comme Affine',
      'curl -I https://booxstream.kevinvdb.dev/',
    ]);
    // Sections come in the document's order: the checklist, then the final test.
    const sections = checklistCoverage.map((l) => CHECKLIST_SOURCE.sections.indexOf(l.section));
    expect(sections).toEqual([...sections].sort((a, b) => a - b));
    expect(CHECKLIST_SOURCE.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(checklistCoverage.map((l) => [l.id, l] as const))('covers %s, worded and quoted once', (_id, entry) => {
    expect(entry.coveredBy.length).toBeGreaterThan(0);
    expect(entry.wording.length).toBeGreaterThan(20);
    expect(entry.line).toBe(entry.line.trim());
    expect(entry.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('keys and quotes each line once', () => {
    expect(new Set(checklistCoverage.map((c) => c.id)).size).toBe(checklistCoverage.length);
    expect(new Set(checklistCoverage.map((c) => `${c.section}\0${c.line}`)).size).toBe(checklistCoverage.length);
  });

  it('points artifacts at files and fields the preview really renders', () => {
    for (const c of checklistCoverage.flatMap((l) => l.coveredBy).filter((c) => c.kind === 'artifact')) {
      const [path = '', pointer] = c.ref.split('#');
      const doc = parseArtifact(path);
      if (pointer !== undefined) {
        const value = resolvePointer(doc, pointer);
        expect(value, c.ref).toBeDefined();
        expect(value, c.ref).not.toBe('');
      }
    }
  });

  it('points checks at pnpm verify check ids and resources at known type tokens', () => {
    const all = checklistCoverage.flatMap((l) => l.coveredBy);
    for (const c of all) if (c.kind === 'check') expect(VERIFY_CHECK_IDS, c.ref).toContain(c.ref);
    for (const c of all.filter((c) => c.kind === 'resource')) {
      const [token, role] = c.ref.split('#');
      expect(Object.values(RESOURCE_TYPES), c.ref).toContain(token);
      expect(role, c.ref).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it('backs the values the seed names with the rendered values', () => {
    const provider = parseArtifact('authentik/booxstream/provider.json') as Record<string, unknown>;
    const application = parseArtifact('authentik/booxstream/application.json') as Record<string, unknown>;
    const traefik = parseArtifact('traefik/booxstream.yml');
    const config = parseArtifact('cloudflared/config.yml');
    expect(provider['name']).toBe('booxstream-proxy');
    expect(provider['external_host']).toBe('https://booxstream.kevinvdb.dev');
    expect(provider['internal_host']).toBe('http://192.168.1.202:3001');
    expect(application['name']).toBe('BooxStream');
    expect(application['meta_launch_url']).toBe('https://booxstream.kevinvdb.dev');
    expect(resolvePointer(traefik, '/http/routers/booxstream/rule')).toBe('Host(`booxstream.kevinvdb.dev`)');
    expect(resolvePointer(config, '/ingress/0')).toEqual({ hostname: 'booxstream.kevinvdb.dev', service: 'http://traefik:80' });
  });

  it('uses every verify check somewhere', () => {
    const used = new Set(checklistCoverage.flatMap((l) => l.coveredBy).filter((c) => c.kind === 'check').map((c) => c.ref));
    expect([...used].sort()).toEqual([...VERIFY_CHECK_IDS].sort());
  });
});

describe('the coverage section of the preview summary', () => {
  const summary = preview.get('SUMMARY.md') ?? '';

  it('lists every line with what covers it, after the file list', () => {
    for (const item of checklistCoverage) expect(summary).toContain(item.line.replace(/\|/g, '\\|'));
    expect(summary.indexOf('## Files')).toBeLessThan(summary.indexOf('## Checklist coverage'));
    expect(summary.indexOf('## Checklist coverage')).toBeLessThan(summary.indexOf('## Traefik static configuration'));
  });

  it('matches the snapshot', async () => {
    const section = checklistCoverageSection();
    await expect([`## ${section.heading}`, '', ...section.lines, ''].join('\n')).toMatchFileSnapshot('./__snapshots__/checklist-coverage.md');
  });
});
