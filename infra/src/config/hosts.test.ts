import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '@booxstream/config-kit';
import { describe, expect, it } from 'vitest';
import { GATEWAY_HOST_SCHEMA, gatewayAddressProblem, hostKeyProblem, VM_SCHEMA } from './hosts.js';

describe('hostKeyProblem', () => {
  it('accepts a real ssh-keygen public key and rejects a mislabelled one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-hostkey-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', join(dir, 'k')]);
      const line = readFileSync(join(dir, 'k.pub'), 'utf8');
      expect(hostKeyProblem(line)).toBeUndefined();
      const [, blob] = line.split(' ');
      expect(hostKeyProblem(`ssh-ed25519 ${blob}`)).toBe('the key data is not a ssh-ed25519 key (it encodes ecdsa-sha2-nistp256)');
      expect(hostKeyProblem('ssh-dss AAAA')).toContain('not an SSH host key type');
      expect(hostKeyProblem('ssh-ed25519')).toContain('ssh-keyscan');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SSH host schemas', () => {
  const hostKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVYQU1QTEUtZ2F0ZXdheS1ob3N0LWtleS1ub3QtcmVh';

  it('fill the documented defaults', () => {
    const gw = validate(GATEWAY_HOST_SCHEMA, { address: '192.168.1.200', sshUser: 'deploy', hostKey });
    expect(gw).toEqual({
      ok: true,
      value: { address: '192.168.1.200', sshPort: 22, sshUser: 'deploy', hostKey, cloudflaredConfigPath: '/opt/cloudflare/config.yml', cloudflaredRestartCommand: 'docker restart cloudflared' },
    });
    const vm = validate(VM_SCHEMA, { address: 'vm.lan', sshUser: 'deploy', hostKey });
    expect(vm.ok && vm.value).toMatchObject({ devicePort: 8080, memoryMb: 512, imageName: 'booxstream-server', platform: 'linux/amd64' });
  });

  it('name each bad field and quote the value with a hint', () => {
    const r = validate(GATEWAY_HOST_SCHEMA, { address: 'bad host!', sshUser: 'deploy', hostKey, cloudflaredConfigPath: 'relative/config.yml', sshPrt: 22 });
    expect(r.ok ? [] : r.issues).toEqual([
      { path: 'address', message: '"bad host!" is neither an IP address nor a host name' },
      { path: 'cloudflaredConfigPath', message: '"relative/config.yml" is not valid: an absolute path of letters, digits, . _ - /' },
      { path: 'sshPrt', message: expect.stringContaining('is not a known field'), suggestion: 'sshPort' },
    ]);
  });

  it('require the gateway address to be an IP (it becomes TRUSTED_PROXIES)', () => {
    expect(gatewayAddressProblem('192.168.1.200')).toBeUndefined();
    expect(gatewayAddressProblem('fd00::1')).toBeUndefined();
    expect(gatewayAddressProblem('gateway.lan')).toContain('TRUSTED_PROXIES');
  });
});
