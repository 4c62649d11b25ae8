import { validate } from '@booxstream/config-kit';
import { describe, expect, it } from 'vitest';
import { mapSource } from '../../test/example-stack.js';
import { readKey, unknownKeys } from './keys.js';
import { API_TOKEN_SCHEMA, privateKeySchema, SERVER_SECRETS_SCHEMA } from './secrets.js';

describe('reading keys', () => {
  it('says how to set a missing key, parses structured ones, refuses plain-text secrets', () => {
    const issues: { path: string; message: string }[] = [];
    const source = mapSource({ 'booxstream:vm': '{"address": "x"', 'booxstream:authentikToken': 'tok-0123456789', 'other:key': '1' }, []);
    expect(readKey(source, 'gatewayHost', issues)).toBeUndefined();
    expect(readKey(source, 'vm', issues)).toBeUndefined();
    expect(readKey(source, 'authentikToken', issues)).toBe('tok-0123456789');
    expect(readKey(source, 'server', issues)).toBeUndefined();
    expect(issues).toEqual([
      { path: 'booxstream:gatewayHost', message: expect.stringContaining('set it with `pulumi config set --path gatewayHost …`') },
      { path: 'booxstream:vm', message: 'must be structured (YAML mapping in the stack file, or JSON text)' },
      { path: 'booxstream:authentikToken', message: expect.stringContaining('must be set as a secret') },
    ]);
    expect(unknownKeys(source)).toEqual([]);
  });
});

describe('secrets', () => {
  it('never quote a secret value in a problem', () => {
    const secret = 'hunter2 hunter2';
    const results = [
      validate(API_TOKEN_SCHEMA, secret),
      validate(privateKeySchema('vmSshPrivateKey'), secret),
      validate(SERVER_SECRETS_SCHEMA, { 'bad-name': secret, PORT: secret, OK: 5 }),
    ];
    const text = JSON.stringify(results);
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(text).not.toContain('hunter2');
  });

  it('normalise a private key to LF line ends with one final newline', () => {
    const key = '-----BEGIN PRIVATE KEY-----\r\nMC4CAQAwBQYDK2VwBCIEIA==\r\n-----END PRIVATE KEY-----\r\n\r\n';
    expect(validate(privateKeySchema('k'), key)).toEqual({ ok: true, value: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n' });
    expect(validate(API_TOKEN_SCHEMA, '  token-0123  ')).toEqual({ ok: true, value: 'token-0123' });
  });
});
