/**
 * Shared pieces of the dashboards: one Prometheus datasource variable, and a time-series panel
 * from (title, unit, queries). Every query uses `$__rate_interval`, which Grafana sizes from the
 * scrape interval; the tests substitute a fixed window to run the PromQL against a real Prometheus.
 */
import { DatasourceVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** The datasource variable every panel points at: the owner picks their Prometheus once. */
export const DATASOURCE_VARIABLE = 'datasource';
const DATASOURCE = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder(DATASOURCE_VARIABLE).label('Prometheus').type('prometheus');
}

export interface Query {
  expr: string;
  legend: string;
}

export function timeseries(title: string, unit: string, queries: Query[], description = ''): PanelBuilder {
  const panel = new PanelBuilder().title(title).description(description).unit(unit).datasource(DATASOURCE).height(8).span(12);
  queries.forEach((q, i) => panel.withTarget(new DataqueryBuilder().expr(q.expr).legendFormat(q.legend).refId(String.fromCharCode(65 + i))));
  return panel;
}
