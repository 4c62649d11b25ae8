import { describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.js';
import { appVmHardening, checkedHost, gatewayHostHardening, isAddressOrCidr } from './host.js';

const vmFacts = {
  lan: ['192.168.1.0/24'],
  gatewayAddress: '192.168.1.10',
  serverPort: 3001,
  devicePort: 8080,
  dataDir: '/var/lib/docker/volumes/booxstream-data/_data',
  configDir: '/etc/booxstream',
};

describe('host hardening plans', () => {
  it('the app VM opens SSH and the device port to the LAN and the server port to the gateway only', () => {
    const vm = appVmHardening(vmFacts);
    expect(vm.ports.map((p) => [p.name, p.port, p.from])).toEqual([
      ['ssh', 22, ['192.168.1.0/24']],
      ['server-http', 3001, ['192.168.1.10']],
      ['device', 8080, ['192.168.1.0/24']],
    ]);
    expect(vm.sshMaxRetry).toBe(3);
    expect(Object.isFrozen(vm.ports[0])).toBe(true);
  });

  it('a device port of 0 opens nothing for devices', () => {
    expect(appVmHardening({ ...vmFacts, devicePort: 0 }).ports.map((p) => p.name)).toEqual(['ssh', 'server-http']);
  });

  it('the gateway opens 22/80/443 to the LAN', () => {
    const gw = gatewayHostHardening({ lan: ['10.0.0.0/8'], traefikConfigDir: '/opt/traefik/config', crowdsecConfigDir: '/opt/crowdsec' });
    expect(gw.ports.map((p) => p.port)).toEqual([22, 80, 443]);
  });

  it('every bad field is named', () => {
    const bad = () =>
      checkedHost({
        ...appVmHardening(vmFacts),
        ports: [{ name: 'ssh', port: 70000, from: ['192.168.1.0/33', 'lan'], dockerPublished: false }],
        auditWatches: [{ path: 'relative', permissions: 'wz', key: 'a key' }],
      });
    expect(bad).toThrow(BadInputError);
    expect(bad).toThrow(/ports\[0\]\.port: must be 1-65535, got 70000/);
    expect(bad).toThrow(/ports\[0\]\.from\[0\]: must be an IP address or CIDR, got "192.168.1.0\/33"/);
    expect(bad).toThrow(/ports\[0\]\.from\[1\]/);
    expect(bad).toThrow(/sshPort: 22 must be one of the open ports/);
    expect(bad).toThrow(/auditWatches\[0\]\.path/);
    expect(bad).toThrow(/auditWatches\[0\]\.permissions/);
    expect(bad).toThrow(/auditWatches\[0\]\.key/);
  });

  it.each([
    ['10.0.0.1', true],
    ['10.0.0.0/8', true],
    ['fd00::/64', true],
    ['fd00::/129', false],
    ['10.0.0.0/', false],
    ['10.0.0.0/8/1', false],
    ['example.com', false],
  ])('isAddressOrCidr(%s) = %s', (value, ok) => {
    expect(isAddressOrCidr(value)).toBe(ok);
  });
});
