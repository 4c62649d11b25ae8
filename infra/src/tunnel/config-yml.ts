/**
 * A locally-managed tunnel's `config.yml`, merged the same way as the API's list
 * (src/cloudflare/ingress-merge.ts): only the model's hostnames change. The file is edited as
 * a YAML document, not re-rendered: every other top-level key (`tunnel`, `credentials-file`,
 * `originRequest`, `warp-routing`, `metrics`, …), every rule we do not own and their comments
 * stay exactly as the owner wrote them.
 */
import { isMap, isSeq, parseDocument, type Node } from 'yaml';
import { mergeIngress, type IngressRule, type OwnedRule } from '../cloudflare/ingress-merge.js';

export interface ConfigYmlMerge {
  /** The new file text (the input text itself when nothing changed). */
  text: string;
  adopted: Record<string, IngressRule>;
  changed: boolean;
}

/** A config.yml problem the program must not paper over (names the file and what is wrong). */
export class ConfigYmlError extends Error {
  readonly code = 'INFRA_ERR_CLOUDFLARED_CONFIG';
  constructor(path: string, detail: string) {
    super(`cloudflared config ${path}: ${detail}`);
    this.name = 'ConfigYmlError';
  }
}

export function mergeConfigYml(
  path: string,
  live: string,
  input: { desired: Record<string, OwnedRule>; owned: readonly string[]; adopted: Readonly<Record<string, IngressRule>> },
): ConfigYmlMerge {
  const doc = parseDocument(live);
  if (doc.errors.length > 0) throw new ConfigYmlError(path, `not valid YAML: ${doc.errors[0]!.message}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new ConfigYmlError(path, 'the top level is not a mapping');
  const node = doc.get('ingress', true) as Node | undefined;
  if (node !== undefined && !isSeq(node)) throw new ConfigYmlError(path, '`ingress` is not a list');
  const items = node && isSeq(node) ? [...node.items] : [];
  const liveRules = items.map((item) => (item as Node).toJSON() as IngressRule);
  const merged = mergeIngress({ live: liveRules, desired: input.desired, owned: input.owned, adopted: input.adopted });
  if (!merged.changed) return { text: live, adopted: merged.adopted, changed: false };
  // Untouched rules keep their own node (formatting and comments); ours are new nodes.
  const nodes = merged.rules.map((rule) => {
    const at = liveRules.indexOf(rule);
    return at >= 0 ? items[at] : doc.createNode(rule);
  });
  if (node && isSeq(node)) node.items = nodes as typeof node.items;
  else doc.set('ingress', doc.createNode(merged.rules));
  return { text: doc.toString({ lineWidth: 0 }), adopted: merged.adopted, changed: true };
}

/** The ingress rules of a config.yml text (what a test or a refresh reads). */
export function configYmlRules(text: string): IngressRule[] {
  const json = parseDocument(text).toJSON() as { ingress?: IngressRule[] } | null;
  return json?.ingress ?? [];
}
