import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HTTP_ERROR_CODES, HttpError } from './errors.js';

describe('error codes', () => {
  it('README.md documents every HTTP error code', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of HTTP_ERROR_CODES) expect(readme, code).toContain(`| \`${code}\` |`);
  });

  it('serialises to the ApiErrorBody shape', () => {
    expect(new HttpError(400, 'HTTP_ERR_INVALID_FIELD', 'bad', 'uuid').toJSON()).toEqual({ error: { code: 'HTTP_ERR_INVALID_FIELD', message: 'bad', field: 'uuid' } });
    expect(new HttpError(404, 'HTTP_ERR_NOT_FOUND', 'none').toJSON()).toEqual({ error: { code: 'HTTP_ERR_NOT_FOUND', message: 'none' } });
  });
});
