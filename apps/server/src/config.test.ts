import { describe, expect, it } from 'vitest';
import { DEFAULTS, ENV_VARIABLES, parseConfig, resolveConfig } from './config.js';
import { ConfigError } from './errors.js';

describe('parseConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      port: 3001, host: '0.0.0.0', devicePort: 8080, dataDir: './data', trustedProxies: ['127.0.0.1/32', '::1/128'],
      adminGroups: ['authentik Admins'], deviceApproval: 'manual', devUser: null, devGroups: ['authentik Admins'],
      maxMessageBytes: 4 * 1024 * 1024, maxViewersPerHost: 50, pingIntervalMs: 30_000, authTimeoutMs: 10_000, logLevel: 'info',
    });
    expect(c.webRoot).toMatch(/apps\/web\/dist$/);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.trustedProxies)).toBe(true);
  });

  it('reads every variable', () => {
    const c = parseConfig({
      PORT: '8000', HOST: '127.0.0.1', DEVICE_PORT: '9000', DATA_DIR: '/var/lib/bxs', TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.5',
      ADMIN_GROUPS: 'admins, ops', DEVICE_APPROVAL: 'auto', DEV_USER: 'me', DEV_GROUPS: 'ops', WEB_ROOT: '/srv/web',
      MAX_MESSAGE_BYTES: '2000000', MAX_VIEWERS_PER_HOST: '3', PING_INTERVAL_MS: '5000', AUTH_TIMEOUT_MS: '2000',
      REGISTER_RATE_PER_MINUTE: '60', REGISTER_BURST: '10', VIEWER_MAX_BUFFERED_BYTES: '65536', LOG_LEVEL: 'warn',
    });
    expect(c).toMatchObject({
      port: 8000, host: '127.0.0.1', devicePort: 9000, dataDir: '/var/lib/bxs', trustedProxies: ['10.0.0.0/8', '192.168.1.5/32'],
      adminGroups: ['admins', 'ops'], deviceApproval: 'auto', devUser: 'me', devGroups: ['ops'], webRoot: '/srv/web',
      maxMessageBytes: 2_000_000, maxViewersPerHost: 3, pingIntervalMs: 5000, authTimeoutMs: 2000,
      registerRatePerMinute: 60, registerBurst: 10, viewerMaxBufferedBytes: 65536, logLevel: 'warn',
    });
  });

  it('DEVICE_PORT=0 turns the device port off; DEV_GROUPS defaults to the first admin group', () => {
    expect(parseConfig({ DEVICE_PORT: '0' }).devicePort).toBeNull();
    expect(parseConfig({ ADMIN_GROUPS: 'ops,admins', DEV_USER: 'me', HOST: '::1' }).devGroups).toEqual(['ops']);
    expect(parseConfig({ TRUSTED_PROXIES: '' }).trustedProxies).toEqual([]);
  });

  it.each([
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '30a1' }],
    ['HOST', { HOST: 'example.com' }],
    ['DEVICE_PORT', { DEVICE_PORT: '-1' }],
    ['TRUSTED_PROXIES', { TRUSTED_PROXIES: '10.0.0.0/33' }],
    ['TRUSTED_PROXIES', { TRUSTED_PROXIES: 'proxy.lan' }],
    ['DEVICE_APPROVAL', { DEVICE_APPROVAL: 'yes' }],
    ['DEV_USER', { DEV_USER: 'me', HOST: '192.168.1.10' }],
    ['DEV_USER', { DEV_USER: 'me' }],
    ['MAX_MESSAGE_BYTES', { MAX_MESSAGE_BYTES: '12' }],
    ['MAX_VIEWERS_PER_HOST', { MAX_VIEWERS_PER_HOST: '0' }],
    ['PING_INTERVAL_MS', { PING_INTERVAL_MS: '1.5' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['ADMIN_GROUPS', { ADMIN_GROUPS: ' , ' }],
    ['DEVICE_APROVAL', { DEVICE_APROVAL: 'auto' }],
    ['TRUSTED_PROXY', { TRUSTED_PROXY: '10.0.0.1' }],
  ])('stops on %s', (variable, env) => {
    let err: unknown;
    try {
      parseConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(variable);
    expect((err as ConfigError).message).toMatch(new RegExp(`^${variable}: `));
  });

  it('reports every problem at once, one line each, suggesting the variable meant', () => {
    let err: ConfigError | undefined;
    try {
      parseConfig({ DEVICE_APROVAL: 'auto', PORT: '70000', LOG_LEVEL: 'verbose', TRUSTED_PROXIES: '10.0.0.1,proxy.lan' });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.issues).toEqual([
      { path: 'DEVICE_APROVAL', message: 'unknown variable', suggestion: 'DEVICE_APPROVAL' },
      { path: 'PORT', message: 'must be an integer between 0 and 65535, got 70000' },
      { path: 'TRUSTED_PROXIES', message: '"proxy.lan" is not an IP address or CIDR' },
      { path: 'LOG_LEVEL', message: 'must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"' },
    ]);
    expect(err?.message.split('\n')[0]).toBe('DEVICE_APROVAL: unknown variable; did you mean DEVICE_APPROVAL?');
    expect(err?.message).toContain('\nPORT: must be an integer between 0 and 65535, got 70000');
  });

  it('suggests the nearest variable among those sharing the first word', () => {
    const suggestion = (name: string) => {
      try {
        parseConfig({ [name]: '1' });
        return undefined;
      } catch (e) {
        return (e as ConfigError).issues[0]?.suggestion;
      }
    };
    expect(suggestion('TRUSTED_PROXY')).toBe('TRUSTED_PROXIES');
    expect(suggestion('REGISTER_BRUST')).toBe('REGISTER_BURST');
    expect(suggestion('REGISTER_RATE_PER_MINUT')).toBe('REGISTER_RATE_PER_MINUTE');
    expect(suggestion('DEVICE_PROT')).toBe('DEVICE_PORT');
    expect(suggestion('MAX_VIEWERS')).toBeUndefined();
    expect(suggestion('PORTS')).toBeUndefined();
  });

  it('normalises list entries and keeps a name of 128 printable characters only', () => {
    expect(parseConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8 ,, ::1 ' }).trustedProxies).toEqual(['10.0.0.0/8', '::1/128']);
    expect(parseConfig({ DEV_USER: 'a'.repeat(128), HOST: '127.0.0.1' }).devUser).toHaveLength(128);
    expect(() => parseConfig({ DEV_USER: 'a'.repeat(129), HOST: '127.0.0.1' })).toThrow(/^DEV_USER: .*128 printable/);
    expect(() => parseConfig({ DEV_USER: 'a\u0007b', HOST: '127.0.0.1' })).toThrow(/^DEV_USER: /);
    expect(parseConfig({ PORT: ' 80 ', DEVICE_PORT: '', LOG_LEVEL: ' debug ' })).toMatchObject({ port: 80, devicePort: 8080, logLevel: 'debug' });
  });

  it('leaves unrelated variables alone (HOME is two edits from HOST)', () => {
    expect(() => parseConfig({ HOME: '/root', PATH: '/bin', NODE_ENV: 'production', LOGNAME: 'root' })).not.toThrow();
  });

  it('resolveConfig checks programmatic overrides by field name', () => {
    expect(() => resolveConfig({ devUser: 'me', host: '0.0.0.0' })).toThrow(/^devUser: /);
    expect(() => resolveConfig({ port: -1 })).toThrow(/^port: /);
    expect(resolveConfig({ port: 0, devicePort: null }).devicePort).toBeNull();
    expect(() => resolveConfig({ statsIntervalMs: 5 })).toThrow(/^statsIntervalMs: must be an integer between 10 and 60000, got 5$/);
    expect(() => resolveConfig({ trustedProxies: ['10.0.0.0/99'] })).toThrow(/^trustedProxies: "10.0.0.0\/99" has an invalid prefix/);
    const sink = (): void => {};
    const c = resolveConfig({ logSink: sink, adminGroups: ['ops'] });
    expect(c.logSink).toBe(sink);
    expect(c.devGroups).toEqual(['ops']);
    expect(Object.isFrozen(c.devGroups)).toBe(true);
  });

  it('documents every variable in README.md', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(ENV_VARIABLES)) expect(readme).toContain(`\`${name}\``);
    expect(Object.keys(DEFAULTS).length).toBeGreaterThan(Object.keys(ENV_VARIABLES).length);
  });
});

describe('patch method', () => {
  it('defaults to auto, reads sharp, and refuses anything else naming PATCH_METHOD', () => {
    expect(parseConfig({}).patchMethod).toBe('auto');
    expect(parseConfig({ PATCH_METHOD: 'sharp' }).patchMethod).toBe('sharp');
    expect(() => parseConfig({ PATCH_METHOD: 'png' })).toThrow(/PATCH_METHOD.*must be one of "auto", "sharp"/);
  });
});

describe('re-registration, pending expiry and the public URL', () => {
  it('defaults to same-network, 72 h and no public URL, and reads each', () => {
    expect(parseConfig({})).toMatchObject({ reregistration: 'same-network', pendingDeviceTtlMs: 72 * 3_600_000, publicUrl: null });
    expect(parseConfig({ REREGISTRATION: 'any', PENDING_DEVICE_TTL_MS: '60000', PUBLIC_URL: 'HTTPS://BooxStream.Example.dev/' }))
      .toMatchObject({ reregistration: 'any', pendingDeviceTtlMs: 60_000, publicUrl: 'https://booxstream.example.dev' });
    expect(parseConfig({ PUBLIC_URL: 'http://192.168.1.20:3001' }).publicUrl).toBe('http://192.168.1.20:3001');
  });

  it.each([
    ['REREGISTRATION', { REREGISTRATION: 'never' }, /must be one of "same-network", "any"/],
    ['PENDING_DEVICE_TTL_MS', { PENDING_DEVICE_TTL_MS: '10' }, /integer between 1000 and/],
    ['PUBLIC_URL', { PUBLIC_URL: 'booxstream.example.dev' }, /http\(s\) URL/],
    ['PUBLIC_URL', { PUBLIC_URL: 'ftp://booxstream.example.dev' }, /http\(s\) URL/],
    ['PUBLIC_URL', { PUBLIC_URL: 'https://example.dev/booxstream' }, /no path/],
  ])('refuses a bad %s naming it', (name, env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(new RegExp(`^${name}: `));
    expect(() => parseConfig(env)).toThrow(message);
  });
});
