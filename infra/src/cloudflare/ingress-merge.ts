/**
 * The tunnel's ingress list, owned per hostname. Cloudflare's API (and cloudflared's
 * config.yml) only knows the whole list, so every write is read → merge → write back, and the
 * merge is this pure function: rules in, rules out.
 *
 * - A rule is identified by its `hostname` and `path` (cloudflared matches on both).
 * - Ours (the model's) replace a live rule with the same key in place, or are inserted
 *   before the catch-all. A replaced live rule is *adopted*: it is remembered byte for byte,
 *   and origin settings the model does not declare are kept on our rule (a live
 *   `originServerName`, `caPool`, `access` … stays in force).
 * - Every other rule is passed through as the same object, in the same order: nothing is
 *   re-rendered, so no setting of a rule we do not own can be lost.
 * - Releasing a rule (destroy, or the hostname left the model) puts the adopted rule back
 *   exactly as it was, or removes the rule when we created it.
 */

/** One ingress rule as the API or config.yml holds it; unknown settings are kept as they are. */
export type IngressRule = { hostname?: string; path?: string; service: string; originRequest?: Record<string, unknown> } & Record<string, unknown>;

/** A rule the model declares. */
export interface OwnedRule {
  hostname: string;
  path?: string;
  service: string;
  originRequest?: Record<string, unknown>;
}

/** cloudflared's catch-all service when the live list has none. */
export const DEFAULT_CATCH_ALL: IngressRule = { service: 'http_status:404' };

/** `hostname` or `hostname path`: the key a rule is owned by. */
export function ruleKey(rule: { hostname?: string; path?: string }): string {
  return rule.path ? `${rule.hostname ?? ''} ${rule.path}` : (rule.hostname ?? '');
}

/** cloudflared's catch-all: no hostname (or `*`) and no path. */
export function isCatchAll(rule: { hostname?: string; path?: string }): boolean {
  return (rule.hostname === undefined || rule.hostname === '' || rule.hostname === '*') && !rule.path;
}

export interface MergeInput {
  /** The list as read from the API or config.yml. */
  live: readonly IngressRule[];
  /** The model's rules (keyed by `ruleKey`). */
  desired: Readonly<Record<string, OwnedRule>>;
  /** Keys we owned before this run (the previous desired set); those no longer desired are released. */
  owned: readonly string[];
  /** Live rules adopted earlier, by key, as they were before adoption. */
  adopted: Readonly<Record<string, IngressRule>>;
}

export interface MergeResult {
  rules: IngressRule[];
  /** Adoption record after the merge: earlier adoptions still owned plus new ones. */
  adopted: Record<string, IngressRule>;
  /** Whether `rules` differs from `live` (no write needed otherwise). */
  changed: boolean;
}

/**
 * Merges the model's rules into the live list. Pure; never mutates its inputs.
 */
export function mergeIngress(input: MergeInput): MergeResult {
  const adopted: Record<string, IngressRule> = {};
  for (const [k, v] of Object.entries(input.adopted)) if (k in input.desired) adopted[k] = v;
  const owned = new Set(input.owned);
  const release = new Set(input.owned.filter((k) => !(k in input.desired)));
  const placed = new Set<string>();
  const out: IngressRule[] = [];

  for (const rule of input.live) {
    const key = ruleKey(rule);
    if (isCatchAll(rule)) {
      out.push(rule);
      continue;
    }
    const ours = input.desired[key];
    if (ours && !placed.has(key)) {
      // First live rule with our key: ours takes its place, over the live rule's own settings.
      // A rule we did not own yet is adopted: remembered as it is, once.
      if (!owned.has(key) && !(key in adopted)) adopted[key] = rule;
      out.push(applyOwned(rule, ours));
      placed.add(key);
      continue;
    }
    if (ours) continue; // a duplicate of our key would never be reached: drop it
    if (release.has(key)) {
      const original = input.adopted[key];
      if (original) out.push(original);
      continue;
    }
    out.push(rule);
  }

  const missing = Object.entries(input.desired)
    .filter(([key]) => !placed.has(key))
    .map(([key, ours]) => applyOwned(input.adopted[key], ours));
  // An adopted rule released after someone removed ours by hand still goes back.
  const seen = new Set(input.live.map(ruleKey));
  const restored = [...release].filter((k) => !seen.has(k) && input.adopted[k]).map((k) => input.adopted[k] as IngressRule);
  const insert = [...missing, ...restored];
  if (insert.length > 0) {
    let at = out.findIndex(isCatchAll);
    if (at < 0) {
      out.push(DEFAULT_CATCH_ALL);
      at = out.length - 1;
    }
    out.splice(at, 0, ...insert);
  }
  return { rules: out, adopted, changed: JSON.stringify(out) !== JSON.stringify(input.live) };
}

/**
 * Our rule over an adopted one: hostname, path and service from the model, origin settings
 * merged (the model's win, the live rule's others stay), every other live key kept.
 */
function applyOwned(base: IngressRule | undefined, ours: OwnedRule): IngressRule {
  const { originRequest: baseOrigin, path: _basePath, ...rest } = base ?? ({} as IngressRule);
  const originRequest = { ...(baseOrigin ?? {}), ...(ours.originRequest ?? {}) };
  const rule: IngressRule = { ...rest, hostname: ours.hostname, service: ours.service };
  if (ours.path) rule.path = ours.path;
  if (Object.keys(originRequest).length > 0) rule.originRequest = originRequest;
  // Keep the live rule's key order when nothing changed, so "unchanged" is byte for byte.
  return base && sameRule(base, rule) ? base : rule;
}

function sameRule(a: IngressRule, b: IngressRule): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );
}

/** The rules the live list holds for our keys (what a refresh observes), by key. */
export function observedRules(live: readonly IngressRule[], keys: readonly string[]): Record<string, IngressRule | null> {
  const out: Record<string, IngressRule | null> = {};
  for (const key of keys) out[key] = live.find((r) => !isCatchAll(r) && ruleKey(r) === key) ?? null;
  return out;
}

/** Whether the live rule still says what the model says (settings the model leaves out are free). */
export function ruleSatisfies(live: IngressRule | null | undefined, ours: OwnedRule): boolean {
  if (!live) return false;
  if (live.service !== ours.service || (live.path ?? '') !== (ours.path ?? '')) return false;
  const origin = live.originRequest ?? {};
  return Object.entries(ours.originRequest ?? {}).every(([k, v]) => canonical(origin[k]) === canonical(v));
}

/** Hostnames (keys) added, changed and removed between two desired sets: what a diff names. */
export function describeRuleChanges(
  olds: Readonly<Record<string, OwnedRule>>,
  news: Readonly<Record<string, OwnedRule>>,
): { added: string[]; changed: string[]; removed: string[] } {
  const added = Object.keys(news).filter((k) => !(k in olds));
  const removed = Object.keys(olds).filter((k) => !(k in news));
  const changed = Object.keys(news).filter((k) => k in olds && canonical(olds[k]) !== canonical(news[k]));
  return { added, changed, removed };
}
