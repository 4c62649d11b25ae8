/**
 * Runs the real program (index.ts) under `pulumi.runtime.setMocks`, as Pulumi's unit-testing
 * guide prescribes: mocks and config first, then the program is imported. Every resource is
 * recorded twice: as the mock monitor receives it (type, name, plain inputs) and as a stack
 * transformation sees it (the original props with their secret markers, and the options such
 * as `deleteBeforeReplace`).
 *
 * One program run per test file: vitest runs each file in its own module graph.
 */
import { createHash } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';

export interface RecordedResource {
  type: string;
  name: string;
  /** Inputs as the engine would receive them (secrets unwrapped, Outputs resolved). */
  inputs: Record<string, unknown>;
  /** The props as the program passed them (Outputs, secret markers intact). */
  props: Record<string, unknown>;
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
  custom: boolean;
}

export interface RecordedInvoke {
  token: string;
  inputs: Record<string, unknown>;
}

export interface ProgramRun {
  resources: RecordedResource[];
  invokes: RecordedInvoke[];
  /** The module namespace of index.ts (its exports are the stack outputs). */
  program: Record<string, unknown>;
  /** Stack outputs, resolved. */
  outputs: Record<string, unknown>;
  /** `type::name` → resource. */
  get(type: string, name: string): RecordedResource;
}

/** A stable fake uuid per seed, so assertions can predict mocked pks. */
export function fakeUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const FAKE_IMAGE_DIGEST = `sha256:${'ab'.repeat(32)}`;

/** The image id the mocked RemoteImage reports for a pinned reference. */
export function fakeImageId(ref: string): string {
  return `sha256:${createHash('sha256').update(`image:${ref}`).digest('hex')}`;
}

/** The value a mocked random resource generates (alphanumeric, 32 characters). */
export function fakeSecret(resourceName: string): string {
  return `Gen${createHash('sha256').update(`secret:${resourceName}`).digest('hex').slice(0, 29)}`;
}

/** What the mocked authentik and Docker providers return as outputs. */
function mockOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const request = (inputs['request'] ?? {}) as Record<string, unknown>;
  switch (type) {
    case 'pulumi-nodejs:dynamic/authentik:Flow':
      return { pk: fakeUuid(`flow:${String(inputs['slug'])}`), designation: 'authorization' };
    case 'pulumi-nodejs:dynamic/authentik:Group':
      return { pk: fakeUuid(`group:${String(inputs['name'])}`) };
    case 'pulumi-nodejs:dynamic/authentik:ProxyProvider':
      return { pk: providerPk(String(request['name'])), adopted: false, assignedApplicationSlug: null };
    case 'pulumi-nodejs:dynamic/authentik:Application':
      return { pk: fakeUuid(`app:${String(request['slug'])}`), slug: request['slug'], adopted: false, launchUrl: request['meta_launch_url'] };
    case 'pulumi-nodejs:dynamic/authentik:OutpostMembership':
      return { outpostPk: fakeUuid('outpost:embedded'), outpostName: 'authentik Embedded Outpost', member: true };
    case 'pulumi-nodejs:dynamic/authentik:PolicyBinding':
      return { pk: fakeUuid(`binding:${name}`), adopted: false, groupName: 'admins' };
    case 'docker:index/image:Image':
      return { repoDigest: FAKE_IMAGE_DIGEST };
    case 'docker:index/remoteImage:RemoteImage':
      return { imageId: fakeImageId(String(inputs['name'])) };
    // Deterministic stand-ins for generated secrets, distinct per resource (tests look for leaks).
    case 'random:index/randomPassword:RandomPassword':
      return { result: fakeSecret(name) };
    case 'random:index/randomBytes:RandomBytes':
      return { base64: Buffer.from(fakeSecret(name)).toString('base64'), hex: Buffer.from(fakeSecret(name)).toString('hex') };
    default:
      return {};
  }
}

/** Mocked provider pks: booxstream-proxy → 41, affine-proxy → 42, others 43+. */
export function providerPk(name: string): number {
  return name === 'booxstream-proxy' ? 41 : name === 'affine-proxy' ? 42 : 43;
}

export async function runProgram(
  config: Record<string, string>,
  secretKeys: string[],
  options: { tunnelConfigSrc?: string } = {},
): Promise<ProgramRun> {
  const resources: RecordedResource[] = [];
  const invokes: RecordedInvoke[] = [];
  const pending = new Map<string, Omit<RecordedResource, 'inputs'>>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        const seen = pending.get(`${args.type}::${args.name}`);
        resources.push({
          type: args.type,
          name: args.name,
          inputs,
          props: seen?.props ?? {},
          opts: seen?.opts ?? {},
          custom: args.custom ?? false,
        });
        return { id: args.custom ? `${args.name}-id` : undefined, state: { ...inputs, ...mockOutputs(args.type, args.name, inputs) } };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
        if (args.token === 'cloudflare:index/getZeroTrustTunnelCloudflared:getZeroTrustTunnelCloudflared') {
          return { id: args.inputs['tunnelId'], configSrc: options.tunnelConfigSrc ?? 'cloudflare', remoteConfig: true, name: 'home', status: 'healthy' };
        }
        return {};
      },
    },
    'booxstream',
    'example',
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys);

  let program: Record<string, unknown> = {};
  const stackOutputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      pending.set(`${args.type}::${args.name}`, {
        type: args.type,
        name: args.name,
        props: args.props as Record<string, unknown>,
        opts: args.opts as RecordedResource['opts'],
        custom: args.resource instanceof pulumi.CustomResource,
      });
      return undefined;
    });
    program = (await import('../index.js')) as Record<string, unknown>;
    return { ...program };
  });

  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stackOutputs ?? {})) outputs[k] = await resolve(v);
  // Registrations finish asynchronously after the outputs resolve; wait (bounded) for them.
  for (let i = 0; i < 100 && resources.length < pending.size; i++) await new Promise((r) => setTimeout(r, 20));

  return {
    resources,
    invokes,
    program,
    outputs,
    get(type, name) {
      const found = resources.find((r) => r.type === type && r.name === name);
      if (!found) throw new Error(`no ${type} named ${name}; have ${resources.map((r) => `${r.type}::${r.name}`).join(', ')}`);
      return found;
    },
  };
}

/** The value of an Output (or plain value). */
export function resolve<T>(value: pulumi.Input<T> | T): Promise<T> {
  return new Promise((res) => pulumi.output(value as pulumi.Input<T>).apply((v) => res(v as T)));
}

/** Whether an Output (or a prop holding one) is marked secret. */
export function isSecret(value: unknown): Promise<boolean> {
  return pulumi.Output.isInstance(value) ? pulumi.isSecret(value) : Promise.resolve(false);
}

const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** Whether a recorded input arrived at the engine wrapped as a secret (sdk/nodejs/runtime/rpc.ts). */
export function isSecretInput(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** A recorded input with secret wrappers removed (deeply), for value assertions. */
export function plain(value: unknown): unknown {
  if (isSecretInput(value)) return plain((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
