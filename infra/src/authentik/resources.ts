/**
 * Authentik objects as Pulumi resources. There is no @pulumi/authentik on npm (the registry's
 * package is generated locally with `pulumi package add terraform-provider`), so these are
 * dynamic resources backed by the official `@goauthentik/api` client.
 *
 * How the closure stays serializable: Pulumi serializes each provider object into the state
 * (`__provider`) and, under mocks too, at construction. The methods below capture only
 * strings and a plain object; at run time they load `provider-runtime.ts` through tsx's
 * `tsImport`. No `import()` or `require` appears in the serialized text (test runners rewrite
 * those, and `require` does not exist in the ESM program): dynamic imports are built from a
 * string with `new Function`. The authentik URL and token are read in
 * `configure` from the stack config, so the token is never captured in the state.
 */
import * as pulumi from '@pulumi/pulumi';
import { runtimeDynamicProvider } from '../dynamic/runtime-provider.js';
import type { AuthentikKind } from './provider-runtime.js';

/** Path of the runtime module, relative to the Pulumi project directory (the plugin's cwd). */
export const PROVIDER_RUNTIME_MODULE = './src/authentik/provider-runtime.ts';

/** Stack config keys (in the project namespace) the providers read in `configure`. */
export const AUTHENTIK_URL_KEY = 'authentikUrl';
export const AUTHENTIK_TOKEN_KEY = 'authentikToken';

/**
 * The dynamic provider of one kind. Exported for the serialization test, which runs the
 * serialized text in a plain Node process the way Pulumi's plugin does.
 */
export function authentikDynamicProvider(kind: AuthentikKind, project: string): pulumi.dynamic.ResourceProvider {
  return runtimeDynamicProvider(PROVIDER_RUNTIME_MODULE, kind, {
    url: `${project}:${AUTHENTIK_URL_KEY}`,
    token: `${project}:${AUTHENTIK_TOKEN_KEY}`,
  });
}

// One provider object per kind and project: Pulumi caches the serialized text per object.
const providers = new Map<string, pulumi.dynamic.ResourceProvider>();

function providerFor(kind: AuthentikKind): pulumi.dynamic.ResourceProvider {
  const project = pulumi.getProject();
  const key = `${project}/${kind}`;
  let provider = providers.get(key);
  if (!provider) {
    provider = authentikDynamicProvider(kind, project);
    providers.set(key, provider);
  }
  return provider;
}

/** A JSON object in authentik's wire format (snake_case), as the gateway renderers produce. */
export type WireRequest = Record<string, unknown>;

export interface AuthentikFlowArgs {
  /** The flow's slug, e.g. `default-provider-invalidation-flow`. */
  slug: pulumi.Input<string>;
}

/** Looks a flow up by slug. Owns nothing: deleting it never touches authentik. */
export class AuthentikFlow extends pulumi.dynamic.Resource {
  /** The flow's uuid, what provider fields take. */
  declare readonly pk: pulumi.Output<string>;
  declare readonly slug: pulumi.Output<string>;
  declare readonly designation: pulumi.Output<string>;

  constructor(name: string, args: AuthentikFlowArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerFor('flow'), name, { slug: args.slug, pk: undefined, designation: undefined }, opts, 'authentik', 'Flow');
  }
}

export interface AuthentikGroupArgs {
  /** The group's exact name, e.g. `booxstream-users`. */
  name: pulumi.Input<string>;
}

/** Looks a group up by name. Owns nothing: deleting it never touches authentik. */
export class AuthentikGroup extends pulumi.dynamic.Resource {
  /** The group's uuid, what policy bindings take. */
  declare readonly pk: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;

  constructor(name: string, args: AuthentikGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerFor('group'), name, { name: args.name, pk: undefined }, opts, 'authentik', 'Group');
  }
}

export interface AuthentikProxyProviderArgs {
  /** `ProxyProviderRequest` from `renderAuthentikProvider`. */
  request: pulumi.Input<WireRequest>;
}

/** A proxy provider; adopts an existing provider with the same name. */
export class AuthentikProxyProvider extends pulumi.dynamic.Resource {
  declare readonly pk: pulumi.Output<number>;
  /** The declared fields as authentik holds them (drift shows here after a refresh). */
  declare readonly request: pulumi.Output<WireRequest>;
  declare readonly adopted: pulumi.Output<boolean>;
  declare readonly assignedApplicationSlug: pulumi.Output<string | null>;

  constructor(name: string, args: AuthentikProxyProviderArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor('proxy-provider'),
      name,
      { request: args.request, pk: undefined, adopted: undefined, assignedApplicationSlug: undefined },
      opts,
      'authentik',
      'ProxyProvider',
    );
  }
}

export interface AuthentikApplicationArgs {
  /** `ApplicationRequest` from `renderAuthentikApplication`. */
  request: pulumi.Input<WireRequest>;
}

/** An application, keyed by slug; adopts an existing application with the same slug. */
export class AuthentikApplication extends pulumi.dynamic.Resource {
  /** The application's uuid (`pbm_uuid`), the target of its policy bindings. */
  declare readonly pk: pulumi.Output<string>;
  declare readonly slug: pulumi.Output<string>;
  declare readonly request: pulumi.Output<WireRequest>;
  declare readonly adopted: pulumi.Output<boolean>;
  declare readonly launchUrl: pulumi.Output<string | null>;

  constructor(name: string, args: AuthentikApplicationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor('application'),
      name,
      { request: args.request, pk: undefined, slug: undefined, adopted: undefined, launchUrl: undefined },
      opts,
      'authentik',
      'Application',
    );
  }
}

export interface AuthentikOutpostMembershipArgs {
  /** The outpost by `managed` id (embedded: `goauthentik.io/outposts/embedded`) and name. */
  outpost: pulumi.Input<{ managed: string; name: string }>;
  /** The proxy provider to serve from that outpost. */
  providerPk: pulumi.Input<number>;
}

/** One provider in an outpost's list, by read-modify-write that keeps every other provider. */
export class AuthentikOutpostMembership extends pulumi.dynamic.Resource {
  declare readonly outpostPk: pulumi.Output<string>;
  declare readonly outpostName: pulumi.Output<string>;
  declare readonly providerPk: pulumi.Output<number>;
  declare readonly member: pulumi.Output<boolean>;

  constructor(name: string, args: AuthentikOutpostMembershipArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor('outpost-membership'),
      name,
      { outpost: args.outpost, providerPk: args.providerPk, outpostPk: undefined, outpostName: undefined, member: undefined },
      opts,
      'authentik',
      'OutpostMembership',
    );
  }
}

export interface AuthentikPolicyBindingArgs {
  /** `PolicyBindingRequest` from `renderPolicyBindings` (group + target uuids). */
  request: pulumi.Input<WireRequest>;
}

/** A group policy binding; adopts an existing binding of the same group to the same target. */
export class AuthentikPolicyBinding extends pulumi.dynamic.Resource {
  declare readonly pk: pulumi.Output<string>;
  declare readonly request: pulumi.Output<WireRequest>;
  declare readonly adopted: pulumi.Output<boolean>;
  declare readonly groupName: pulumi.Output<string | null>;

  constructor(name: string, args: AuthentikPolicyBindingArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor('policy-binding'),
      name,
      { request: args.request, pk: undefined, adopted: undefined, groupName: undefined },
      opts,
      'authentik',
      'PolicyBinding',
    );
  }
}

export interface AuthentikNamedLookupArgs {
  /** Collection under /api/v3, e.g. `/stages/identification/`. */
  path: pulumi.Input<string>;
  /** The exact-match filter: `slug` for flows, `name` otherwise. */
  field: pulumi.Input<string>;
  value: pulumi.Input<string>;
}

/** Looks up an authentik default by an exact field (the default flow, its identification stage). Owns nothing. */
export class AuthentikNamedLookup extends pulumi.dynamic.Resource {
  declare readonly pk: pulumi.Output<string>;

  constructor(name: string, args: AuthentikNamedLookupArgs, opts?: pulumi.CustomResourceOptions) {
    super(providerFor('named-lookup'), name, { path: args.path, field: args.field, value: args.value, pk: undefined }, opts, 'authentik', 'NamedLookup');
  }
}

export interface AuthentikMfaObjectArgs {
  /** The renderer's step (`renderMfaSteps`): key, method, path, schema, adopt, and its body with pks resolved. */
  key: string;
  method: 'POST' | 'PATCH';
  path: string;
  schema: string;
  body: pulumi.Input<WireRequest>;
  adopt?: { name: string; restoreFields: string[] };
}

/**
 * One object of the two-factor sign-in: created and deleted when ours (POST), or, for an
 * authentik default (PATCH), adopted with its changed fields recorded and written back on delete.
 */
export class AuthentikMfaObject extends pulumi.dynamic.Resource {
  /** What other objects refer to it by. */
  declare readonly pk: pulumi.Output<string>;
  declare readonly adopted: pulumi.Output<boolean>;
  /** The body's fields as authentik holds them (drift shows here after a refresh). */
  declare readonly observed: pulumi.Output<WireRequest>;

  constructor(name: string, args: AuthentikMfaObjectArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor('mfa-object'),
      name,
      {
        key: args.key,
        method: args.method,
        path: args.path,
        schema: args.schema,
        body: args.body,
        ...(args.adopt ? { adopt: args.adopt } : {}),
        pk: undefined,
        adopted: undefined,
        previous: undefined,
        observed: undefined,
        naturalKey: undefined,
      },
      opts,
      'authentik',
      'MfaObject',
    );
  }
}
