/**
 * The program takes every name from the gateway package's names module and refuses, before
 * declaring anything, a model whose derived names would collide (two resources of one type and
 * name fail a `pulumi up` halfway, after some resources changed).
 */
import { describe, expect, it } from 'vitest';
import { loadExampleGateway, NameCollisionError, type Gateway } from '@booxstream/gateway';
import { loadStackConfig } from '../src/config.js';
import { declareGateway } from '../src/program.js';
import { exampleStack, mapSource, projectFiles } from './example-stack.js';

describe('declareGateway and derived names', () => {
  it('refuses groups that would share a lookup resource, naming both', () => {
    const { config, secretKeys } = exampleStack();
    const cfg = loadStackConfig(mapSource(config, secretKeys), projectFiles());
    const example = loadExampleGateway();
    // `Admins` and `admins` are two authentik groups but one `group-admins` lookup.
    const gateway: Gateway = { ...example, apps: example.apps.map((app, i) => (i === 1 ? { ...app, allowedGroups: ['Admins'] } : app)) };
    let error: unknown;
    try {
      declareGateway({ ...cfg, gateway }, { projectDir: '.', stack: 'names-test' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(NameCollisionError);
    expect((error as Error).message).toContain("Pulumi authentik group lookup 'group-admins': group 'admins' and group 'Admins'");
  });
});
