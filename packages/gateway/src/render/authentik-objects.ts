/**
 * The one mapping from the gateway model to authentik's objects: which field of the proxy
 * provider, the application and a group policy binding each model value goes to. authentik
 * takes these objects two ways, and both are rendered from here:
 * - its REST API, with primary keys the caller looked up (`render/authentik.ts`);
 * - a blueprint, with `!Find`/`!KeyOf` references authentik resolves itself (`render/blueprint.ts`).
 * So each mapping is generic in how a reference to another object is written.
 */
import type { Gateway, ProtectedApp } from '../model/types.js';
import { providerAuthenticationFlowSlug } from './authentik-mfa.js';

/** `managed` value of the embedded outpost (authentik/outposts/apps.py `MANAGED_OUTPOST`). */
export const EMBEDDED_OUTPOST_MANAGED = 'goauthentik.io/outposts/embedded';

/** Seconds a group policy may run; authentik's own default. */
export const POLICY_TIMEOUT_SECONDS = 30;

/** The flows a proxy provider refers to, by their role in the model's `authentik.flows`. */
export type FlowRole = 'authorization' | 'invalidation' | 'authentication';

/** A proxy provider in forward_single mode (`ProxyProviderRequest` fields, snake_case). */
export interface ProxyProviderFields<Flow> {
  name: string;
  authorization_flow: Flow;
  invalidation_flow: Flow;
  authentication_flow?: Flow;
  mode: 'forward_single';
  external_host: string;
  internal_host: string;
}

/** The application users see in their library (`ApplicationRequest` fields). */
export interface ApplicationFields<Provider> {
  name: string;
  slug: string;
  provider: Provider;
  meta_launch_url: string;
  meta_icon?: string;
  meta_description: string;
  meta_publisher: string;
  policy_engine_mode: 'any' | 'all';
  open_in_new_tab: boolean;
}

/** One group allowed to use an application (`PolicyBindingRequest` fields). */
export interface PolicyBindingFields<Group, Target> {
  group: Group;
  target: Target;
  order: number;
  enabled: boolean;
  negate: boolean;
  timeout: number;
  failure_result: boolean;
}

/**
 * The proxy provider of one app, forward_single: authentik only answers Traefik's forward-auth
 * sub-requests, Traefik proxies to the upstream.
 * @param flow how to refer to the flow of a role, given its slug (a pk, or a blueprint `!Find`).
 */
export function proxyProviderFields<Flow>(gateway: Gateway, app: ProtectedApp, flow: (role: FlowRole, slug: string) => Flow): ProxyProviderFields<Flow> {
  const flows = gateway.authentik.flows;
  const authentication = providerAuthenticationFlowSlug(gateway, app);
  return {
    name: app.authentik.providerName,
    authorization_flow: flow('authorization', flows.authorization),
    invalidation_flow: flow('invalidation', flows.invalidation),
    ...(authentication !== undefined ? { authentication_flow: flow('authentication', authentication) } : {}),
    mode: 'forward_single',
    external_host: `https://${app.hostname}`,
    // Unused in forward_single mode (Traefik proxies, see the app's Traefik service); kept so
    // the provider records where the app lives, as the design checklist has it.
    internal_host: app.upstream,
    // No skip_path_regex: the device paths bypass sign-on in Traefik (exact Path routers), so
    // the outpost itself never lets an unauthenticated request through.
  };
}

/** The application of one app, bound to its provider (a pk, or a blueprint `!KeyOf`). */
export function applicationFields<Provider>(app: ProtectedApp, provider: Provider): ApplicationFields<Provider> {
  const meta = app.authentik;
  return {
    name: meta.name,
    slug: meta.slug,
    provider,
    meta_launch_url: meta.launchUrl,
    ...(meta.icon !== '' ? { meta_icon: meta.icon } : {}),
    meta_description: meta.description,
    meta_publisher: meta.publisher,
    policy_engine_mode: meta.policyEngineMode,
    open_in_new_tab: false,
  };
}

/**
 * The binding of the `index`-th allowed group to the application. With the application's policy
 * engine mode `any`, membership in one bound group is enough.
 */
export function policyBindingFields<Group, Target>(group: Group, target: Target, index: number): PolicyBindingFields<Group, Target> {
  return {
    group,
    target,
    // Spaced by 10 so a hand-made binding can slot between without renumbering.
    order: index * 10,
    enabled: true,
    negate: false,
    timeout: POLICY_TIMEOUT_SECONDS,
    failure_result: false,
  };
}
