import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { writePreview } from './write.js';

const work = mkdtempSync(join(tmpdir(), 'gateway-write-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const files = [
  { path: 'traefik/a.yml', content: 'http: {}\n' },
  { path: 'SUMMARY.md', content: '# Gateway preview\n' },
];

describe('writePreview', () => {
  it('writes the files into nested directories', () => {
    const out = join(work, 'fresh');
    writePreview(out, files);
    expect(readFileSync(join(out, 'traefik', 'a.yml'), 'utf8')).toBe('http: {}\n');
  });

  it('replaces an earlier preview, stale files included', () => {
    const out = join(work, 'again');
    writePreview(out, files);
    writeFileSync(join(out, 'stale.txt'), 'old');
    writePreview(out, files);
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
  });

  it('refuses to clean a non-empty directory that is not a preview, leaving it intact', () => {
    const out = join(work, 'precious');
    mkdirSync(out);
    writeFileSync(join(out, 'thesis.tex'), 'years of work');
    expect(() => writePreview(out, files)).toThrow(GatewayError);
    expect(() => writePreview(out, files)).toThrow(/refusing to clean/);
    expect(readFileSync(join(out, 'thesis.tex'), 'utf8')).toBe('years of work');
  });

  it('refuses paths that would escape the directory', () => {
    expect(() => writePreview(join(work, 'escape'), [{ path: '../x', content: '' }])).toThrow(/escapes/);
  });
});
