import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_GATEWAY_PATH, loadExampleGateway } from '@booxstream/gateway';
import yaml from 'js-yaml';
import { exampleStack, mapSource, privateKeyPem, projectFiles } from '../test/example-stack.js';
import { CONFIG_KEYS, loadStackConfig } from './config.js';
import { ConfigError } from './errors.js';

function load(mutate: (config: Record<string, string>, secretKeys: string[]) => void = () => {}, files: Record<string, string> = {}) {
  const { config, secretKeys } = exampleStack();
  mutate(config, secretKeys);
  return loadStackConfig(mapSource(config, secretKeys), projectFiles(files));
}

function issuesOf(mutate: (config: Record<string, string>, secretKeys: string[]) => void, files: Record<string, string> = {}): { path: string; message: string; suggestion?: string }[] {
  try {
    load(mutate, files);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const patch = (config: Record<string, string>, key: string, change: (obj: Record<string, unknown>) => void) => {
  const obj = JSON.parse(config[key] as string) as Record<string, unknown>;
  change(obj);
  config[key] = JSON.stringify(obj);
};

describe('loadStackConfig on the example stack', () => {
  it('loads the documented example with its defaults filled in', () => {
    const cfg = load();
    expect(cfg.gateway.apps.map((a) => a.name)).toEqual(['booxstream', 'affine', 'bookstack']);
    expect(cfg.cloudflare).toEqual({ accountId: '0123456789abcdef0123456789abcdef', zoneId: 'fedcba9876543210fedcba9876543210', tunnelMode: 'remote' });
    expect(cfg.authentikUrl).toBe('https://auth.kevinvdb.dev');
    expect(cfg.gatewayHost).toMatchObject({ address: '192.168.1.200', sshPort: 22, sshUser: 'deploy' });
    expect(cfg.vm).toMatchObject({ address: '192.168.1.202', devicePort: 8080, containerName: 'booxstream', dataVolume: 'booxstream-data' });
    expect(cfg.server).toEqual({ app: 'booxstream', adminGroups: ['admins'], deviceApproval: 'manual', logLevel: 'info' });
    expect(cfg.serverApp.name).toBe('booxstream');
    expect(cfg.serverHttpPort).toBe(3001);
    expect(cfg.secrets.gatewaySshPrivateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(Object.isFrozen(cfg.vm)).toBe(true);
  });

  it("reads the gateway model from the file gatewayFile names: the gateway package's example, not a copy", () => {
    const { config } = exampleStack();
    expect(resolve(fileURLToPath(new URL('..', import.meta.url)), config['booxstream:gatewayFile']!)).toBe(EXAMPLE_GATEWAY_PATH);
    expect(load().gateway).toEqual(loadExampleGateway());
  });

  it('documents every config key in Pulumi.example.yaml (as a value or a --secret command)', () => {
    const text = readFileSync(new URL('../Pulumi.example.yaml', import.meta.url), 'utf8');
    const doc = yaml.load(text) as { config: Record<string, unknown> };
    for (const [name, spec] of Object.entries(CONFIG_KEYS)) {
      if (spec.secret) expect(text, name).toContain(`pulumi config set --secret ${name === 'serverSecrets' ? "--path 'serverSecrets" : name}`);
      else expect(Object.keys(doc.config), name).toContain(`booxstream:${name}`);
    }
  });

  it('applies defaults when optional keys are left out', () => {
    const cfg = load((c) => {
      delete c['booxstream:server'];
      patch(c, 'booxstream:vm', (vm) => {
        for (const k of ['sshPort', 'containerName', 'imageName', 'dataVolume', 'devicePort', 'memoryMb', 'buildContext', 'dockerfile', 'platform']) delete vm[k];
      });
    });
    expect(cfg.server).toEqual({ app: 'booxstream', adminGroups: ['authentik Admins'], deviceApproval: 'manual', logLevel: 'info' });
    expect(cfg.vm).toMatchObject({ sshPort: 22, containerName: 'booxstream', imageName: 'booxstream-server', devicePort: 8080, buildContext: '..', dockerfile: 'apps/server/Dockerfile', platform: 'linux/amd64' });
  });
});

describe('loadStackConfig errors name the key', () => {
  it('reports every missing required key at once, with the command to set it', () => {
    const issues = issuesOf((c) => {
      for (const k of Object.keys(c)) delete c[k];
    });
    expect(issues.map((i) => i.path).sort()).toEqual(
      Object.entries(CONFIG_KEYS)
        .filter(([, s]) => s.required)
        .map(([k]) => `booxstream:${k}`)
        .sort(),
    );
    expect(issues.find((i) => i.path === 'booxstream:authentikToken')?.message).toContain('pulumi config set --secret authentikToken');
  });

  it('refuses a secret that was set in plain text', () => {
    const issues = issuesOf((_c, secretKeys) => secretKeys.splice(secretKeys.indexOf('booxstream:vmSshPrivateKey'), 1));
    expect(issues).toEqual([{ path: 'booxstream:vmSshPrivateKey', message: expect.stringContaining('must be set as a secret') }]);
  });

  it('flags a misspelt key and a misspelt field, suggesting the one meant', () => {
    const issues = issuesOf((c) => {
      c['booxstream:authentikURL'] = 'https://x.example';
      c['booxstream:zzz'] = 'x';
      patch(c, 'booxstream:vm', (vm) => (vm['devicePrt'] = 1));
    });
    expect(issues.map((i) => [i.path, i.suggestion])).toEqual([
      ['booxstream:authentikURL', 'authentikUrl'],
      ['booxstream:zzz', undefined],
      ['booxstream:vm.devicePrt', 'devicePort'],
    ]);
    const error = (() => {
      try {
        load((c) => (c['booxstream:authentikURL'] = 'https://x.example'));
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toMatch(/^invalid stack config \(1 problem\):\n  - booxstream:authentikURL: unknown key \(known: gatewayFile, [^)]*\); did you mean authentikUrl\?$/);
  });

  it('locates gateway model problems inside the gatewayFile key', () => {
    const g = yaml.load(readFileSync(EXAMPLE_GATEWAY_PATH, 'utf8')) as Record<string, any>;
    g['apps'][0].hostname = 'booxstream.other.dev';
    g['apps'][1].alowedGroups = ['admins'];
    const issues = issuesOf((c) => (c['booxstream:gatewayFile'] = 'mine.gateway.yaml'), { 'mine.gateway.yaml': yaml.dump(g) });
    expect(issues).toEqual([
      { path: 'booxstream:gatewayFile.apps[1].alowedGroups', message: expect.stringMatching(/^is not a known field /), suggestion: 'allowedGroups' },
      { path: 'booxstream:gatewayFile.apps[0].hostname', message: 'must be within the domain kevinvdb.dev' },
    ]);
  });

  it('takes a gateway file that declares mfa: (the program applies it), and locates a bad mfa field', () => {
    const g = yaml.load(readFileSync(EXAMPLE_GATEWAY_PATH, 'utf8')) as Record<string, any>;
    const withMfa = (mfa: unknown) => ({ 'mine.gateway.yaml': yaml.dump({ ...g, mfa }) });
    const cfg = load((c) => (c['booxstream:gatewayFile'] = 'mine.gateway.yaml'), withMfa({ scope: 'apps', apps: ['booxstream'] }));
    expect(cfg.gateway.mfa).toMatchObject({ scope: 'apps', apps: ['booxstream'], failedAttemptsBeforeCancel: 5, sessionDuration: 'hours=1' });
    const issues = issuesOf((c) => (c['booxstream:gatewayFile'] = 'mine.gateway.yaml'), withMfa({ scope: 'apps', apps: ['nextcloud'] }));
    expect(issues).toEqual([{ path: 'booxstream:gatewayFile.mfa.apps[0]', message: expect.stringMatching(/^must name an app of apps:/) }]);
  });

  it('names the gateway file it cannot read or parse', () => {
    const missing = issuesOf((c) => (c['booxstream:gatewayFile'] = 'nowhere.gateway.yaml'));
    expect(missing).toEqual([{ path: 'booxstream:gatewayFile', message: expect.stringMatching(/^cannot read "nowhere.gateway.yaml" \(relative to infra\/\): ENOENT/) }]);
    const broken = issuesOf((c) => (c['booxstream:gatewayFile'] = 'broken.yaml'), { 'broken.yaml': 'domain: [unclosed' });
    expect(broken).toEqual([{ path: 'booxstream:gatewayFile', message: expect.stringContaining('broken.yaml') }]);
  });

  it('checks SSH settings: IP gateway address, Unix user, host key line', () => {
    const issues = issuesOf((c) => {
      patch(c, 'booxstream:gatewayHost', (h) => {
        h['address'] = 'gateway.lan';
        h['sshUser'] = 'Deploy User';
        h['hostKey'] = '192.168.1.200 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVYQU1QTEUtZ2F0ZXdheS1ob3N0LWtleS1ub3QtcmVh';
      });
      patch(c, 'booxstream:vm', (v) => {
        v['sshPort'] = 70000;
        v['platform'] = 'windows/amd64';
      });
    });
    expect(issues.map((i) => i.path)).toEqual([
      'booxstream:gatewayHost.sshUser',
      'booxstream:gatewayHost.hostKey',
      'booxstream:gatewayHost.address',
      'booxstream:vm.sshPort',
      'booxstream:vm.platform',
    ]);
    expect(issues[2]?.message).toContain('TRUSTED_PROXIES');
  });

  it('refuses a public key, a passphrase-protected key and garbage as private keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-keys-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'passphrase', '-f', join(dir, 'enc')]);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'plain')]);
      const encrypted = readFileSync(join(dir, 'enc'), 'utf8');
      const plain = readFileSync(join(dir, 'plain'), 'utf8');
      const pub = readFileSync(join(dir, 'plain.pub'), 'utf8');
      const issues = issuesOf((c) => {
        c['booxstream:gatewaySshPrivateKey'] = pub;
        c['booxstream:vmSshPrivateKey'] = encrypted;
      });
      expect(issues).toEqual([
        { path: 'booxstream:gatewaySshPrivateKey', message: expect.stringContaining('this is a public key') },
        { path: 'booxstream:vmSshPrivateKey', message: expect.stringContaining('passphrase-protected') },
      ]);
      // An unencrypted OpenSSH key is fine.
      expect(load((c) => (c['booxstream:vmSshPrivateKey'] = plain)).secrets.vmSshPrivateKey).toBe(plain.trim() + '\n');
      expect(issuesOf((c) => (c['booxstream:vmSshPrivateKey'] = 'hunter2'))[0]?.message).toContain('OpenSSH or PEM');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cross-checks the VM against the server app upstream', () => {
    const issues = issuesOf((c) => {
      patch(c, 'booxstream:vm', (v) => {
        v['address'] = '192.168.1.203';
        v['devicePort'] = 3001;
      });
      patch(c, 'booxstream:server', (s) => (s['app'] = 'booxstream'));
    });
    // BookStack is deployed on the VM too, so moving the VM leaves its upstream behind as well.
    expect(issues.map((i) => i.path)).toEqual(['booxstream:vm.address', 'booxstream:vm.devicePort', 'booxstream:gatewayFile.apps[2].upstream']);
    // The container's ports are published on the VM's address: it must be an IP.
    expect(issuesOf((c) => patch(c, 'booxstream:vm', (v) => (v['address'] = 'booxstream-vm.lan')))).toContainEqual({
      path: 'booxstream:vm.address',
      message: "booxstream-vm.lan must be the VM's LAN IP address: the server's ports are published on it only",
    });
    expect(issuesOf((c) => patch(c, 'booxstream:server', (s) => (s['app'] = 'nope')))).toEqual([
      { path: 'booxstream:server.app', message: 'no app named "nope" in gateway.apps (have: booxstream, affine, bookstack)' },
    ]);
  });

  it('checks ids, enums, groups and server secrets', () => {
    const issues = issuesOf((c, secretKeys) => {
      patch(c, 'booxstream:cloudflare', (cf) => {
        cf['accountId'] = 'ACCOUNT';
        cf['tunnelMode'] = 'hybrid';
      });
      patch(c, 'booxstream:server', (s) => {
        s['adminGroups'] = ['a,b'];
        s['logLevel'] = 'verbose';
      });
      c['booxstream:serverSecrets'] = JSON.stringify({ TRUSTED_PROXIES: '0.0.0.0/0', 'bad-name': 'x' });
      secretKeys.push('booxstream:serverSecrets');
      c['booxstream:authentikUrl'] = 'ftp://auth';
    });
    expect(issues.map((i) => i.path)).toEqual([
      'booxstream:cloudflare.accountId',
      'booxstream:cloudflare.tunnelMode',
      'booxstream:authentikUrl',
      'booxstream:server.adminGroups[0]',
      'booxstream:server.logLevel',
      'booxstream:serverSecrets.TRUSTED_PROXIES',
      'booxstream:serverSecrets.bad-name',
    ]);
  });

  it('accepts server secrets with non-managed names', () => {
    const { config, secretKeys } = exampleStack({ serverSecrets: true });
    expect(loadStackConfig(mapSource(config, secretKeys), projectFiles()).secrets.serverSecrets).toEqual({ EXTRA_TOKEN: 'server-secret-value-0123456789' });
  });
});

describe('private keys', () => {
  it('the PKCS#8 keys the tests generate are accepted as private keys', () => {
    expect(load((c) => (c['booxstream:gatewaySshPrivateKey'] = privateKeyPem())).secrets.gatewaySshPrivateKey).toContain('PRIVATE KEY');
  });
});
