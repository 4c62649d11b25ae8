import { describe, expect, it } from 'vitest';
import { parseObservability } from './observability-config.js';

function parse(monitoring: unknown, backup: unknown, password: unknown) {
  const issues: string[] = [];
  const value = parseObservability(monitoring, backup, password, (k, m) => issues.push(`${k}: ${m}`));
  return { value, issues };
}

describe('parseObservability', () => {
  it('defaults: monitoring on, 15-day retention, Prometheus on loopback, no backup', () => {
    const { value, issues } = parse(undefined, undefined, undefined);
    expect(issues).toEqual([]);
    expect(value.monitoring).toMatchObject({ enabled: true, retention: '15d', prometheusListen: '127.0.0.1', grafana: null });
    expect(value.backup).toBeNull();
  });

  it('a backup without a password names the secret to set', () => {
    const { issues } = parse(undefined, { repository: '/backups/x', repositoryHostDir: '/srv/x' }, undefined);
    expect(issues.join('\n')).toContain('resticPassword: required with backup');
  });

  it('takes other apps\' metrics endpoints (a job each)', () => {
    const { value, issues } = parse({ apps: [{ name: 'bookstack-db', address: 'mysqld-exporter:9104' }] }, undefined, undefined);
    expect(issues).toEqual([]);
    expect(value.monitoring.apps).toEqual([{ name: 'bookstack-db', address: 'mysqld-exporter:9104', metricsPath: '/metrics' }]);
    expect(parse({ apps: [{ name: 'X', address: 'nope' }] }, undefined, undefined).issues.join('\n')).toMatch(/apps\[0\]\.name[\s\S]*apps\[0\]\.address/);
  });

  it('names each bad field', () => {
    const { issues } = parse({ retention: 'two weeks', traefikMetrics: 'http://x', colour: 1 }, { keepLast: 0 }, 'long-enough-password');
    expect(issues).toEqual(expect.arrayContaining([
      expect.stringContaining('monitoring.retention'),
      expect.stringContaining('monitoring.traefikMetrics'),
      expect.stringContaining('monitoring.colour: unknown field'),
      expect.stringContaining('backup.repository: required'),
      expect.stringContaining('backup.keepLast'),
    ]));
  });
});
