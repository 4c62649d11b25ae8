import { describe, expect, it } from 'vitest';
import { deepFreeze, formatIssue, formatIssues, integer, knownKeys, nearestKey, prefixIssues, validate, z } from './index.js';

const schema = z.strictObject({
  domain: z.string().min(1),
  port: integer(1, 65535).optional(),
  mode: z.enum(['any', 'all']).default('any'),
  apps: z.array(z.strictObject({ name: z.string(), allowedGroups: z.array(z.string()).min(1) })),
});

function issuesOf(input: unknown) {
  const r = validate(schema, input);
  if (r.ok) throw new Error('expected issues');
  return r.issues;
}

describe('validate', () => {
  it('returns the parsed value with defaults', () => {
    expect(validate(schema, { domain: 'x', apps: [] })).toEqual({ ok: true, value: { domain: 'x', mode: 'any', apps: [] } });
  });

  it('names each field path, in our words', () => {
    expect(issuesOf({ port: 0, mode: 'some', apps: [{ name: 3, allowedGroups: [] }] })).toEqual([
      { path: 'domain', message: 'is required' },
      { path: 'port', message: 'must be an integer between 1 and 65535, got 0' },
      { path: 'mode', message: 'must be one of "any", "all", got "some"' },
      { path: 'apps[0].name', message: 'must be a string, got 3' },
      { path: 'apps[0].allowedGroups', message: 'must have at least 1 item' },
    ]);
    expect(validate(z.object({ n: integer(1, 2) }), {})).toEqual({ ok: false, issues: [{ path: 'n', message: 'is required' }] });
    expect(issuesOf({ domain: '', apps: 'x' }).map(formatIssue)).toEqual(['domain: must not be empty', 'apps: must be a list, got "x"']);
  });

  it("reports a record key's own problem at the key", () => {
    const env = z.object({ env: z.record(z.string().regex(/^[A-Z_]+$/, { error: 'must be an upper-case name' }), z.string()) });
    expect(validate(env, { env: { ok: 'x', OK: 3 } })).toEqual({
      ok: false,
      issues: [
        { path: 'env.ok', message: 'must be an upper-case name' },
        { path: 'env.OK', message: 'must be a string, got 3' },
      ],
    });
  });
  it('reports each unknown key at its own path with the nearest known key', () => {
    expect(issuesOf({ domian: 'x', domain: 'x', apps: [{ name: 'a', allowedGroups: ['g'], alowedGroups: ['g'], zzzzzz: 1 }] })).toEqual([
      { path: 'apps[0].alowedGroups', message: 'is not a known field (known: name, allowedGroups)', suggestion: 'allowedGroups' },
      { path: 'apps[0].zzzzzz', message: 'is not a known field (known: name, allowedGroups)' },
      { path: 'domian', message: 'is not a known field (known: domain, port, mode, apps)', suggestion: 'domain' },
    ]);
  });

  it('finds known keys through optional, default, pipe, array and union', () => {
    const inner = z.strictObject({ a: z.string(), b: z.string() });
    const s = z.object({ x: z.array(inner.optional()).default([]), y: z.union([inner, z.strictObject({ c: z.string() })]), p: inner.pipe(z.any()) });
    expect(knownKeys(s, ['x', 0])).toEqual(['a', 'b']);
    expect(knownKeys(s, ['y'])).toEqual(['a', 'b', 'c']);
    expect(knownKeys(s, ['p'])).toEqual(['a', 'b']);
    expect(knownKeys(s, [])).toEqual(['x', 'y', 'p']);
    expect(knownKeys(s, ['nope'])).toEqual([]);
  });
});

describe('issues', () => {
  it('formats one line per issue, with the suggestion', () => {
    expect(formatIssue({ path: 'DEVICE_APROVAL', message: 'unknown variable', suggestion: 'DEVICE_APPROVAL' })).toBe(
      'DEVICE_APROVAL: unknown variable; did you mean DEVICE_APPROVAL?',
    );
    expect(formatIssue({ path: '', message: 'must be an object' })).toBe('(root): must be an object');
    expect(formatIssues('invalid thing', [{ path: 'a', message: 'm' }, { path: 'b[0]', message: 'n' }])).toBe('invalid thing (2 problems):\n  - a: m\n  - b[0]: n');
    expect(formatIssues('invalid thing', [{ path: 'a', message: 'm' }])).toMatch(/^invalid thing \(1 problem\):/);
  });

  it('prefixes paths', () => {
    expect(prefixIssues('gateway', [{ path: 'apps[0].name', message: 'm' }, { path: '', message: 'r' }]).map((i) => i.path)).toEqual([
      'gateway.apps[0].name',
      'gateway',
    ]);
    expect(prefixIssues('list', [{ path: '[2]', message: 'm' }])[0]?.path).toBe('list[2]');
  });
});

describe('nearestKey', () => {
  it('suggests within two edits (three from 12 characters), nearest first', () => {
    expect(nearestKey('DEVICE_APROVAL', ['DEVICE_PORT', 'DEVICE_APPROVAL'])).toBe('DEVICE_APPROVAL');
    expect(nearestKey('hostnme', ['hostname', 'host'])).toBe('hostname');
    expect(nearestKey('alowedgrops', ['allowedGroups'])).toBe('allowedGroups');
    expect(nearestKey('abcd', ['wxyz'])).toBeUndefined();
    expect(nearestKey('ab', ['abcd'])).toBe('abcd');
    expect(nearestKey('a', ['abcd'])).toBeUndefined();
    expect(nearestKey('x', [], () => 10)).toBeUndefined();
  });
});

describe('deepFreeze', () => {
  it('freezes nested objects and arrays and returns its argument', () => {
    const v = { a: { b: [1, { c: 2 }] } };
    expect(deepFreeze(v)).toBe(v);
    expect(Object.isFrozen(v.a.b[1])).toBe(true);
    expect(Object.isFrozen(v.a.b)).toBe(true);
  });
});
