import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BadInputError, GATEWAY_ERROR_CODES, GatewayConfigError, RenderedInvalidError, UnknownSchemaError } from './errors.js';

describe('errors', () => {
  it('documents exactly the codes the package throws (README "Errors")', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/`(GATEWAY_ERR_[A-Z_]+)`/g)].map((m) => m[1]);
    expect([...new Set(documented)].sort()).toEqual([...GATEWAY_ERROR_CODES].sort());
  });

  it('gives each class its code and name', () => {
    const cases = [
      [new GatewayConfigError([{ path: 'apps[0].name', message: 'is required' }]), 'GATEWAY_ERR_CONFIG_INVALID', 'GatewayConfigError'],
      [new UnknownSchemaError('X'), 'GATEWAY_ERR_UNKNOWN_SCHEMA', 'UnknownSchemaError'],
      [new RenderedInvalidError('thing', ['bad']), 'GATEWAY_ERR_RENDERED_INVALID', 'RenderedInvalidError'],
      [new BadInputError('nope'), 'GATEWAY_ERR_BAD_INPUT', 'BadInputError'],
    ] as const;
    for (const [err, code, name] of cases) {
      expect(err.code).toBe(code);
      expect(err.name).toBe(name);
      expect(err).toBeInstanceOf(Error);
    }
  });

  it('lists every config issue with its path in the message', () => {
    const err = new GatewayConfigError([
      { path: 'domain', message: 'is required' },
      { path: '', message: 'must be an object' },
    ]);
    expect(err.message).toBe('invalid gateway configuration (2 problems):\n  - domain: is required\n  - (root): must be an object');
    expect(Object.isFrozen(err.issues)).toBe(true);
  });
});
