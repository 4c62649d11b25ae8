import { loadExampleGateway } from '@booxstream/gateway';
import { expect, it } from 'vitest';
import { observabilityPreviewFiles } from './observability-files.js';

it('previews the Prometheus config and rules, the backup units and the Grafana provisioning', () => {
  const files = observabilityPreviewFiles(loadExampleGateway());
  expect(files.map((f) => f.path)).toEqual(expect.arrayContaining([
    'monitoring/prometheus.yml',
    'monitoring/booxstream.rules.yml',
    'monitoring/prometheus.args',
    'backup/booxstream-backup.service',
    'backup/booxstream-backup.timer',
    'grafana/datasources/booxstream.yaml',
    'grafana/json/booxstream-relay.json',
  ]));
  const byPath = Object.fromEntries(files.map((f) => [f.path, f.content]));
  // The server's port comes from the model's booxstream upstream.
  expect(byPath['monitoring/prometheus.yml']).toContain('host.docker.internal:3001');
  expect(byPath['monitoring/prometheus.args']).toContain('--storage.tsdb.retention.time=15d');
  expect(byPath['backup/booxstream-backup.timer']).toContain('Persistent=true');
});
