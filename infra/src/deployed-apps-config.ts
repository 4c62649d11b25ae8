/**
 * Stack-level checks of the gateway's deployed apps (those with `deploy`): they run on the VM,
 * so their upstream must be the VM and the host ports they publish must be free there.
 * Pure; `loadStackConfig` reports what this returns with the other config problems.
 */
import type { ConfigIssue } from '@booxstream/config-kit';
import type { ProtectedApp } from '@booxstream/gateway';

/** `path`: the config key relative to `booxstream:`, e.g. `gatewayFile.apps[2].upstream`. */
export type DeployedAppsIssue = ConfigIssue;

/** `taken`: host ports already used on the VM (the server's HTTP and device ports), port → by what. */
export function deployedAppsIssues(apps: readonly ProtectedApp[], vmAddress: string, taken: ReadonlyMap<number, string>): DeployedAppsIssue[] {
  const issues: DeployedAppsIssue[] = [];
  const used = new Map(taken);
  apps.forEach((app, i) => {
    if (!app.deploy) return;
    const upstream = new URL(app.upstream);
    const host = upstream.hostname.replace(/^\[|\]$/g, '');
    if (host !== vmAddress) {
      issues.push({ path: `gatewayFile.apps[${i}].upstream`, message: `${app.name} is deployed on the VM (${vmAddress}), so its upstream must point there, not at ${host}` });
    }
    const ports: [number, string][] = [[Number(upstream.port || (upstream.protocol === 'https:' ? 443 : 80)), `gatewayFile.apps[${i}].upstream`]];
    if (app.deploy.database) ports.push([app.deploy.database.exporter.port, `gatewayFile.apps[${i}].deploy.database.exporter.port`]);
    for (const [port, key] of ports) {
      const owner = used.get(port);
      if (owner !== undefined) issues.push({ path: key, message: `port ${port} on the VM is already used by ${owner}` });
      else used.set(port, `${app.name} (${key})`);
    }
  });
  return issues;
}
