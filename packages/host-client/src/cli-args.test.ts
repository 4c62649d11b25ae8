import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';
import { InvalidOptionError } from './errors.js';

function flagOf(argv: string[]): string {
  try {
    parseCliArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidOptionError);
    return (err as InvalidOptionError).field;
  }
  throw new Error('expected a usage error');
}

describe('parseCliArgs', () => {
  it('fills defaults like the app: json frames at 10 fps, synthetic screen', () => {
    expect(parseCliArgs(['--url', 'http://127.0.0.1:3001'])).toMatchObject({
      url: 'http://127.0.0.1:3001',
      uuid: undefined,
      name: 'Demo device',
      source: { kind: 'synthetic' },
      fps: 10,
      encoding: 'json-base64',
      lanPort: undefined,
      changeEveryMs: 3000,
      reconnect: true,
      statsEveryS: 5,
      durationS: undefined,
    });
  });

  it('accepts the `--` pnpm forwards, and every flag', () => {
    const o = parseCliArgs(['--', '--url', 'https://boox.example.dev', '--uuid', 'u1', '--name', 'Note Air', '--source', 'folder:/tmp/pages',
      '--fps', '2.5', '--encoding', 'binary', '--lan-port', '45000', '--change-every', '500', '--seed', '7', '--no-reconnect', '--stats-every', '0', '--duration', '3']);
    expect(o).toMatchObject({ url: 'https://boox.example.dev', uuid: 'u1', name: 'Note Air', source: { kind: 'folder', path: '/tmp/pages' }, fps: 2.5,
      encoding: 'binary', lanPort: 45000, changeEveryMs: 500, seed: 7, reconnect: false, statsEveryS: 0, durationS: 3 });
    expect(parseCliArgs(['--url', 'http://x', '--source', 'image:C:/a:b.png']).source).toEqual({ kind: 'image', path: 'C:/a:b.png' });
  });

  it('returns help without requiring --url', () => {
    expect(parseCliArgs(['-h']).help).toBe(true);
  });

  it.each([
    [[], '--url'],
    [['--url', 'ftp://x'], '--url'],
    [['--url', 'http://x', '--fps', '0'], '--fps'],
    [['--url', 'http://x', '--fps', 'ten'], '--fps'],
    [['--url', 'http://x', '--fps', ''], '--fps'],
    [['--url', 'http://x', '--encoding', 'xml'], '--encoding'],
    [['--url', 'http://x', '--lan-port', '70000'], '--lan-port'],
    [['--url', 'http://x', '--source', 'camera'], '--source'],
    [['--url', 'http://x', '--source', 'folder:'], '--source'],
    [['--url', 'http://x', '--change-every', '-1'], '--change-every'],
    [['--url', 'http://x', '--seed', '1.5'], '--seed'],
    [['--url', 'http://x', '--duration', '0'], '--duration'],
    [['--url', 'http://x', '--ws-url', 'http://x'], '--ws-url'],
    [['--url', 'http://x', '--uuid', ' '], '--uuid'],
    [['--url', 'http://x', '--colour', 'red'], '--colour'],
    [['--url', 'http://x', 'extra'], 'arguments'],
  ])('%j is a usage error naming %s', (argv, flag) => {
    expect(flagOf(argv)).toBe(flag);
  });
});
