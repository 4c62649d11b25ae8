/** The rendered ingress list as the rules the program owns: keyed by hostname, catch-all left out. */
import { isCatchAll, ruleKey, type OwnedRule } from './ingress-merge.js';

export function ownedRules(rendered: readonly { hostname?: string; path?: string; service: string; originRequest?: object }[]): Record<string, OwnedRule> {
  const out: Record<string, OwnedRule> = {};
  for (const rule of rendered) {
    if (isCatchAll(rule) || rule.hostname === undefined) continue;
    out[ruleKey(rule)] = {
      hostname: rule.hostname,
      ...(rule.path !== undefined ? { path: rule.path } : {}),
      service: rule.service,
      ...(rule.originRequest !== undefined ? { originRequest: { ...rule.originRequest } as Record<string, unknown> } : {}),
    };
  }
  return out;
}
