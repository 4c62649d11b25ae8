/**
 * The intrusion-detection layer in the program, under Pulumi mocks: CrowdSec's rendered files
 * copied to the gateway, the bouncer key kept secret (key file and container environment), the
 * container hardened and on Traefik's network, and the relay's log sent to it over syslog.
 */
import { describe, expect, it } from 'vitest';
import { loadExampleGateway, RELAY_SYSLOG_PORT, renderCrowdsec } from '@booxstream/gateway';
import { loadStackConfig } from '../src/config.js';
import { CROWDSEC_HOST_CONFIG_DIR } from '../src/crowdsec-container.js';
import { exampleStack, mapSource, projectFiles } from './example-stack.js';
import { isSecretInput, plain } from './pulumi-mocks.js';
import { useProgramRun } from './program-run.js';

const stack = exampleStack();
const gateway = loadExampleGateway();
const rendered = renderCrowdsec(gateway.ids!);

const program = useProgramRun(stack.config, stack.secretKeys);

const container = () => program().get('docker:index/container:Container', 'crowdsec-container');

describe('CrowdSec on the gateway', () => {
  it('copies every rendered CrowdSec file to the gateway', () => {
    const copies = program().resources.filter((r) => r.type === 'command:remote:CopyToRemote' && r.name.startsWith('crowdsec-'));
    expect(copies.map((c) => c.inputs['remotePath']).sort()).toEqual(rendered.files.map((f) => `${CROWDSEC_HOST_CONFIG_DIR}/${f.path}`).sort());
  });

  it('runs the pinned image hardened: read-only root, no capabilities, no new privileges, bounded memory', () => {
    const c = container().inputs;
    expect(c['image']).toMatch(/^crowdsecurity\/crowdsec:v\d+\.\d+\.\d+$/);
    expect(c).toMatchObject({ readOnly: true, capabilities: { drops: ['ALL'] }, securityOpts: ['no-new-privileges:true'], memory: 256 });
    expect(c['networksAdvanced']).toEqual([{ name: 'proxy', aliases: ['crowdsec'] }]);
    // Only the relay's syslog, only on the gateway's LAN address.
    expect(c['ports']).toEqual([{ internal: RELAY_SYSLOG_PORT, external: RELAY_SYSLOG_PORT, protocol: 'udp', ip: '192.168.1.200' }]);
  });

  it('keeps the bouncer key secret: in the container environment and the key file Traefik reads', () => {
    expect(isSecretInput(container().inputs['envs'])).toBe(true);
    expect(plain(container().inputs['envs'])).toContain(`BOUNCER_KEY_traefik=${stack.secrets.crowdsecBouncerKey}`);
    const key = program().get('command:remote:Command', 'crowdsec-bouncer-key');
    expect(isSecretInput(key.inputs['stdin'])).toBe(true);
    expect(String(key.inputs['create'])).toContain('umask 077');
    expect(JSON.stringify(program().outputs)).not.toContain(stack.secrets.crowdsecBouncerKey);
  });

  it("sends the relay's log to CrowdSec over syslog", () => {
    const server = program().get('docker:index/container:Container', 'booxstream-vm-container').inputs;
    expect(server['logDriver']).toBe('syslog');
    expect(server['logOpts']).toEqual({ 'syslog-address': `udp://192.168.1.200:${RELAY_SYSLOG_PORT}`, 'syslog-format': 'rfc5424', tag: 'booxstream' });
  });

  it('refuses a stack that declares ids: without a bouncer key', () => {
    const { ['booxstream:crowdsecBouncerKey']: _gone, ...rest } = stack.config;
    expect(() => loadStackConfig(mapSource(rest, stack.secretKeys), projectFiles())).toThrow(/booxstream:crowdsecBouncerKey: required because the gateway model declares ids/);
  });
});
