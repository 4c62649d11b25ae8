import { MFA_DEFAULTS } from '@booxstream/gateway';
import type { ExpectedRouter } from './traefik-api.js';

/**
 * What `pnpm verify` checks, read from a deployed stack's outputs (`pulumi stack output
 * --json`): the `verify` output the program exports (src/program.ts `VerifyTargets`).
 */

export interface VerifyApp {
  readonly name: string;
  /** `https://<hostname>/`. */
  readonly url: string;
  /** The authentik flow a signed-out visit must end at (`/if/flow/<slug>/`). */
  readonly signInFlowSlug: string;
  /** Paths that skip single sign-on, each with the methods its route allows (a regexp route's probe path). */
  readonly bypassPaths: readonly VerifyBypass[];
}

export interface VerifyBypass {
  readonly path: string;
  readonly methods: readonly string[];
}

export interface VerifyTargets {
  /** authentik as browsers reach it; a signed-out visitor must end up there. */
  readonly authentikExternalUrl: string;
  readonly apps: readonly VerifyApp[];
  /** The server's health endpoint as the gateway reaches it. */
  readonly healthzUrl: string;
  /** The routers the renderer wrote, by name (without `@file`): what Traefik's API must report. */
  readonly traefikRouters?: Readonly<Record<string, ExpectedRouter>>;
}

export class TargetsError extends Error {
  readonly code = 'INFRA_ERR_VERIFY_TARGETS';
  constructor(message: string) {
    super(`stack outputs: ${message}`);
    this.name = 'TargetsError';
  }
}

/**
 * Parses `pulumi stack output --json` (or just its `verify` object).
 * @throws TargetsError naming the missing or malformed field.
 */
export function parseTargets(json: string): VerifyTargets {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new TargetsError('not JSON; pipe `pulumi stack output --json` or pass --outputs <file>');
  }
  const root = asObject(doc, '(root)');
  const v = asObject('verify' in root ? root['verify'] : root, 'verify');
  const authentikExternalUrl = httpUrl(v['authentikExternalUrl'], 'verify.authentikExternalUrl');
  const healthzUrl = httpUrl(v['healthzUrl'], 'verify.healthzUrl');
  if (!Array.isArray(v['apps']) || v['apps'].length === 0) throw new TargetsError('verify.apps must be a non-empty list');
  const apps = v['apps'].map((raw, i) => {
    const a = asObject(raw, `verify.apps[${i}]`);
    if (typeof a['name'] !== 'string' || a['name'] === '') throw new TargetsError(`verify.apps[${i}].name must be a string`);
    const bypass = a['bypassPaths'] ?? [];
    const valid = (b: unknown): b is VerifyBypass =>
      typeof b === 'object' && b !== null && typeof (b as VerifyBypass).path === 'string' && (b as VerifyBypass).path.startsWith('/') &&
      Array.isArray((b as VerifyBypass).methods) && (b as VerifyBypass).methods.length > 0 && (b as VerifyBypass).methods.every((m) => typeof m === 'string');
    if (!Array.isArray(bypass) || !bypass.every(valid)) {
      throw new TargetsError(`verify.apps[${i}].bypassPaths must be a list of { path: <absolute path>, methods: [<method>…] }`);
    }
    // Outputs of a stack deployed before the field existed: authentik's stock flow.
    const slug = a['signInFlowSlug'] ?? MFA_DEFAULTS.defaultFlowSlug;
    if (typeof slug !== 'string' || !/^[-a-zA-Z0-9_]+$/.test(slug)) throw new TargetsError(`verify.apps[${i}].signInFlowSlug must be a flow slug`);
    return { name: a['name'], url: httpUrl(a['url'], `verify.apps[${i}].url`), signInFlowSlug: slug, bypassPaths: bypass };
  });
  const traefikRouters = v['traefikRouters'] === undefined ? undefined : expectedRouters(v['traefikRouters']);
  return { authentikExternalUrl, apps, healthzUrl, ...(traefikRouters ? { traefikRouters } : {}) };
}

function expectedRouters(value: unknown): Record<string, ExpectedRouter> {
  const routers = asObject(value, 'verify.traefikRouters');
  return Object.fromEntries(
    Object.entries(routers).map(([name, raw]) => {
      const r = asObject(raw, `verify.traefikRouters.${name}`);
      if (typeof r['rule'] !== 'string') throw new TargetsError(`verify.traefikRouters.${name}.rule must be a string`);
      if (typeof r['priority'] !== 'number') throw new TargetsError(`verify.traefikRouters.${name}.priority must be a number`);
      const mw = r['middlewares'] ?? [];
      if (!Array.isArray(mw) || mw.some((m) => typeof m !== 'string')) throw new TargetsError(`verify.traefikRouters.${name}.middlewares must be a list of names`);
      return [name, { rule: r['rule'], priority: r['priority'], middlewares: mw as string[] }];
    }),
  );
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TargetsError(`${where} must be an object${where === 'verify' ? ' (was the stack deployed with this program?)' : ''}`);
  }
  return value as Record<string, unknown>;
}

function httpUrl(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new TargetsError(`${where} must be a URL`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TargetsError(`${where} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetsError(`${where} must be http(s): ${value}`);
  return value;
}
