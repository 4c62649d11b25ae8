/** Dashboard structure (the PromQL itself is run against a real Prometheus in apps/server/test/monitoring.test.ts). */
import { describe, expect, it } from 'vitest';
import { COMMUNITY_DASHBOARDS, communityDashboardUrl, dashboardQueries, renderDashboards } from './index.js';

describe('renderDashboards', () => {
  const dashboards = renderDashboards();

  it('renders the relay and host dashboards with stable uids', () => {
    expect(dashboards.map((d) => d.uid)).toEqual(['booxstream-relay', 'booxstream-host']);
  });

  it('points every query panel at the datasource variable', () => {
    for (const d of dashboards) {
      const panels = (d.json['panels'] as { type: string; datasource?: { uid: string } }[]).filter((p) => p.type !== 'row');
      expect(panels.length).toBeGreaterThan(4);
      for (const p of panels) expect(p.datasource?.uid).toBe('${datasource}');
    }
  });

  it('covers hosts, viewers, every frame counter, bytes, relay latency and event-loop delay', () => {
    const exprs = dashboardQueries(dashboards[0]!).map((q) => q.expr).join('\n');
    for (const m of ['booxstream_hosts', 'booxstream_viewers', 'frames_in_total', 'frames_out_total', 'frames_skipped_total', 'frames_deduplicated_total', 'bytes_in_total', 'bytes_out_total', 'relay_latency_seconds_bucket', 'eventloop_lag']) {
      expect(exprs).toContain(m);
    }
  });

  it('pins the community dashboards by id and revision', () => {
    expect(COMMUNITY_DASHBOARDS.map((d) => d.id)).toEqual([1860, 7362]);
    expect(communityDashboardUrl(COMMUNITY_DASHBOARDS[0]!)).toBe('https://grafana.com/api/dashboards/1860/revisions/37/download');
  });
});
