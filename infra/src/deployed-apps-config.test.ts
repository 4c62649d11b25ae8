import { describe, expect, it } from 'vitest';
import { loadExampleGateway } from '@booxstream/gateway';
import { deployedAppsIssues } from './deployed-apps-config.js';

const gateway = loadExampleGateway();
const server = new Map([[3001, 'the BooxStream server'], [8080, 'the device port (vm.devicePort)']]);

describe('deployed apps against the stack', () => {
  it('accepts the example: BookStack on the VM, its ports free', () => {
    expect(deployedAppsIssues(gateway.apps, '192.168.1.202', server)).toEqual([]);
  });

  it('refuses a deployed app whose upstream is another host, and host ports already taken', () => {
    expect(deployedAppsIssues(gateway.apps, '192.168.1.203', server)).toEqual([
      { path: 'gatewayFile.apps[2].upstream', message: 'bookstack is deployed on the VM (192.168.1.203), so its upstream must point there, not at 192.168.1.202' },
    ]);
    const taken = new Map([...server, [6875, 'something else'], [9104, 'the node exporter']]);
    expect(deployedAppsIssues(gateway.apps, '192.168.1.202', taken).map((i) => `${i.path}: ${i.message}`)).toEqual([
      'gatewayFile.apps[2].upstream: port 6875 on the VM is already used by something else',
      'gatewayFile.apps[2].deploy.database.exporter.port: port 9104 on the VM is already used by the node exporter',
    ]);
  });

  it('ignores apps that are only routed (Affine on its own VM)', () => {
    const affineOnly = gateway.apps.filter((a) => a.name === 'affine');
    expect(deployedAppsIssues(affineOnly, '192.168.1.202', server)).toEqual([]);
  });
});
