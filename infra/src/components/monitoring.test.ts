/** Monitoring under Pulumi's mocks: hardened containers on their own network, rendered config copied. */
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { Monitoring } from './monitoring.js';

const recorded: { type: string; name: string; inputs: Record<string, unknown> }[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const extra = args.type === 'docker:index/remoteImage:RemoteImage' ? { imageId: `sha256:${args.name}` } : {};
        return { id: args.custom ? `${args.name}-id` : undefined, state: { ...args.inputs, ...extra } };
      },
      call: () => ({}),
    },
    'booxstream',
    'monitoring-test',
    false,
  );
  await pulumi.runtime.runInPulumiStack(async () => {
    const provider = new docker.Provider('vm-docker', { host: 'ssh://root@192.168.1.202:22' });
    const connection = { host: '192.168.1.202', user: 'root', privateKey: pulumi.secret('key') };
    new Monitoring('monitoring', {
      provider,
      connection,
      serverPort: 3001,
      textfileDir: '/var/lib/booxstream/node-exporter',
      extra: { traefik: { address: '192.168.1.10:8082' } },
      grafana: { connection, provisioningDir: '/etc/grafana/provisioning', dashboardsDir: '/var/lib/grafana/dashboards/booxstream', prometheusUrl: 'http://192.168.1.202:9090' },
    });
    return {};
  });
  for (let i = 0; i < 100 && recorded.filter((r) => r.type === 'docker:index/container:Container').length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
});

const container = (name: string) => recorded.find((r) => r.type === 'docker:index/container:Container' && r.name === name)!.inputs;

describe('Monitoring', () => {
  it('runs Prometheus and the node exporter hardened like the server, on their own network', () => {
    for (const name of ['monitoring-prometheus', 'monitoring-node-exporter']) {
      const c = container(name);
      expect(c['readOnly'], name).toBe(true);
      expect(c['capabilities'], name).toEqual({ drops: ['ALL'] });
      expect(c['securityOpts'], name).toEqual(['no-new-privileges:true']);
      expect(c['user'], name).toBe('65534:65534');
      expect(c['memory'], name).toBeGreaterThan(0);
      expect((c['networksAdvanced'] as { name: string }[])[0]!.name, name).toBe('booxstream-monitoring');
    }
    expect(recorded.find((r) => r.type === 'docker:index/network:Network')!.inputs['name']).toBe('booxstream-monitoring');
  });

  it('publishes Prometheus on the VM loopback only and the node exporter nowhere', () => {
    expect(container('monitoring-prometheus')['ports']).toEqual([{ internal: 9090, external: 9090, ip: '127.0.0.1', protocol: 'tcp' }]);
    expect(container('monitoring-node-exporter')['ports']).toBeUndefined();
  });

  it('gives Prometheus the rendered config, rules and 15-day retention, and the node exporter the backup textfile directory', () => {
    const copies = recorded.filter((r) => r.type === 'command:remote:CopyToRemote').map((r) => r.inputs['remotePath']);
    expect(copies).toContain('/etc/booxstream/prometheus/prometheus.yml');
    expect(copies).toContain('/etc/booxstream/prometheus/booxstream.rules.yml');
    expect(container('monitoring-prometheus')['command']).toContain('--storage.tsdb.retention.time=15d');
    expect(JSON.stringify(container('monitoring-node-exporter')['mounts'])).toContain('/var/lib/booxstream/node-exporter');
  });

  it("provisions the owner's Grafana: datasource, dashboard provider, generated dashboards", () => {
    const copies = recorded.filter((r) => r.type === 'command:remote:CopyToRemote').map((r) => r.inputs['remotePath']);
    expect(copies).toEqual(expect.arrayContaining([
      '/etc/grafana/provisioning/datasources/booxstream.yaml',
      '/etc/grafana/provisioning/dashboards/booxstream.yaml',
      '/var/lib/grafana/dashboards/booxstream/booxstream-relay.json',
      '/var/lib/grafana/dashboards/booxstream/booxstream-host.json',
    ]));
  });
});
