import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandConnection, dockerHost, dockerSshOpts, knownHostsLine, sshMaterialPaths, writeSshMaterial } from './ssh.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVYQU1QTEUtdm0taG9zdC1rZXktbm90LXJlYWwuLi4u';
const host = { address: '192.168.1.202', sshPort: 22, sshUser: 'deploy', hostKey: `${KEY} comment@host` };

describe('ssh', () => {
  it('pins the host key in known_hosts form, with [host]:port off port 22', () => {
    expect(knownHostsLine(host)).toBe(`192.168.1.202 ${KEY}\n`);
    expect(knownHostsLine({ ...host, sshPort: 2222 })).toBe(`[192.168.1.202]:2222 ${KEY}\n`);
  });

  it('builds the docker ssh:// URL, bracketing IPv6', () => {
    expect(dockerHost(host)).toBe('ssh://deploy@192.168.1.202:22');
    expect(dockerHost({ ...host, address: 'fd00::2', sshPort: 2222 })).toBe('ssh://deploy@[fd00::2]:2222');
  });

  it('gives @pulumi/command the pinned key and bounded dial retries', () => {
    expect(commandConnection(host, 'KEY')).toEqual({
      host: '192.168.1.202',
      port: 22,
      user: 'deploy',
      privateKey: 'KEY',
      hostKey: `${KEY} comment@host`,
      dialErrorLimit: 4,
      perDialTimeout: 15,
    });
  });

  it('writes key and known_hosts owner-only, in a private directory, at stable paths', () => {
    const root = mkdtempSync(join(tmpdir(), 'infra-sshmat-'));
    try {
      const paths = sshMaterialPaths('home', { BOOXSTREAM_SSH_DIR: join(root, 'd') });
      expect(sshMaterialPaths('home', { BOOXSTREAM_SSH_DIR: join(root, 'd') })).toEqual(paths);
      expect(sshMaterialPaths('home', {}).identityFile).toMatch(/\.ssh\/pulumi-booxstream\/home\/vm_key$/);
      writeSshMaterial(paths, 'PRIVATE\n', host);
      expect(readFileSync(paths.identityFile, 'utf8')).toBe('PRIVATE\n');
      expect(statSync(paths.identityFile).mode & 0o777).toBe(0o600);
      expect(statSync(paths.knownHostsFile).mode & 0o777).toBe(0o600);
      expect(statSync(join(root, 'd')).mode & 0o777).toBe(0o700);
      expect(dockerSshOpts(paths)).toEqual([
        '-o', `IdentityFile=${paths.identityFile}`,
        '-o', 'IdentitiesOnly=yes',
        '-o', `UserKnownHostsFile=${paths.knownHostsFile}`,
        '-o', 'StrictHostKeyChecking=yes',
        '-o', 'BatchMode=yes',
        '-o', 'ConnectTimeout=15',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
