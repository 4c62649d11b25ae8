/** Every generated dashboard, as Grafana JSON, keyed by file name. */
import { hostDashboard } from './host.js';
import { relayDashboard } from './relay.js';

export { COMMUNITY_DASHBOARDS, communityDashboardUrl, type CommunityDashboard } from './community.js';
export { DATASOURCE_VARIABLE } from './panels.js';

export interface RenderedDashboard {
  fileName: string;
  uid: string;
  title: string;
  json: Record<string, unknown>;
}

export function renderDashboards(): RenderedDashboard[] {
  return [relayDashboard(), hostDashboard()].map((b) => {
    const json = JSON.parse(JSON.stringify(b.build())) as Record<string, unknown> & { uid: string; title: string };
    return { fileName: `${json.uid}.json`, uid: json.uid, title: json.title, json };
  });
}

/** Every PromQL expression of a dashboard, with its panel title (for the real-Prometheus test). */
export function dashboardQueries(d: RenderedDashboard): { panel: string; expr: string }[] {
  const panels = (d.json['panels'] ?? []) as { title?: string; type?: string; targets?: { expr?: string }[] }[];
  return panels.flatMap((p) => (p.targets ?? []).filter((t) => t.expr).map((t) => ({ panel: p.title ?? '', expr: t.expr! })));
}
