/**
 * The seed's community dashboards, by grafana.com id and a pinned revision (a new revision can
 * rename panels or variables; bump it on purpose). Grafana imports them from
 * `https://grafana.com/api/dashboards/<id>/revisions/<revision>/download`.
 */
export interface CommunityDashboard {
  readonly id: number;
  readonly revision: number;
  readonly title: string;
  /** The datasource input the dashboard's JSON declares (`__inputs`). */
  readonly datasourceInput: string;
}

export const COMMUNITY_DASHBOARDS: readonly CommunityDashboard[] = Object.freeze([
  { id: 1860, revision: 37, title: 'Node Exporter Full', datasourceInput: 'DS_PROMETHEUS' },
  { id: 7362, revision: 5, title: 'Docker (seed 002)', datasourceInput: 'DS_PROMETHEUS' },
]);

export function communityDashboardUrl(d: CommunityDashboard): string {
  return `https://grafana.com/api/dashboards/${d.id}/revisions/${d.revision}/download`;
}
