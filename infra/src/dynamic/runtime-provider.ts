/**
 * A Pulumi dynamic provider whose code lives in a runtime module loaded at run time, not in
 * the serialized closure (see src/authentik/resources.ts for why: the SDK clients and our ESM
 * TypeScript modules cannot be serialized, pulumi/pulumi#6987, #18977). The closure holds
 * only strings: the module path (relative to the project directory, the plugin's cwd), the
 * kind, and the stack config keys of the connection, read in `configure` so that no token is
 * ever captured in the state.
 *
 * The runtime module exports `check(kind, news, connection, olds)`, `diff(kind, olds, news)`,
 * `create(kind, connection, inputs)`, `read(kind, connection, id, props)`,
 * `update(kind, connection, id, olds, news)` and `remove(kind, connection, id, props)`.
 */
import type * as pulumi from '@pulumi/pulumi';

type Props = Record<string, unknown>;

export interface RuntimeModule {
  check(kind: string, news: Props, connection: Record<string, string | undefined>, olds: Props): Promise<unknown> | unknown;
  diff(kind: string, olds: Props, news: Props): unknown;
  create(kind: string, connection: Record<string, string | undefined>, inputs: Props): Promise<{ id: string; outs: Props }>;
  read(kind: string, connection: Record<string, string | undefined>, id: string, props: Props): Promise<{ id: string; props: Props }>;
  update(kind: string, connection: Record<string, string | undefined>, id: string, olds: Props, news: Props): Promise<{ outs: Props }>;
  remove(kind: string, connection: Record<string, string | undefined>, id: string, props: Props): Promise<void>;
}

/**
 * @param runtimeModule path of the runtime module relative to the project directory
 * @param configKeys connection field → full stack config key (`booxstream:cloudflareApiToken`);
 *   the connection also carries `<field>Key` with the key, for error messages
 */
export function runtimeDynamicProvider(runtimeModule: string, kind: string, configKeys: Record<string, string>): pulumi.dynamic.ResourceProvider {
  const connection: Record<string, string | undefined> = {};
  for (const [field, key] of Object.entries(configKeys)) connection[`${field}Key`] = key;

  const loaded: { runtime?: Promise<RuntimeModule> } = {};
  const importRuntime = async (): Promise<RuntimeModule> => {
    // Built from a string so test runners cannot rewrite it before serialization.
    const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;
    const nodeUrl = (await importModule('node:url')) as typeof import('node:url');
    const nodeModule = (await importModule('node:module')) as typeof import('node:module');
    const nodeFs = (await importModule('node:fs')) as typeof import('node:fs');
    const base = nodeUrl.pathToFileURL(`${process.cwd()}/`).href;
    // tsx's ESM API by its package's own exports map (its CommonJS build of `tsx/esm/api`
    // resolves its loader next to itself and fails, tsx 4.23).
    const tsxPackageJson = nodeModule.createRequire(base).resolve('tsx/package.json');
    const tsxPackage = JSON.parse(nodeFs.readFileSync(tsxPackageJson, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
    const esmApi = new nodeUrl.URL(tsxPackage.exports['./esm/api']!.import.default, nodeUrl.pathToFileURL(tsxPackageJson)).href;
    const tsx = (await importModule(esmApi)) as { tsImport(path: string, parent: string): Promise<unknown> };
    return (await tsx.tsImport(runtimeModule, base)) as RuntimeModule;
  };
  const runtime = (): Promise<RuntimeModule> => (loaded.runtime ??= importRuntime());

  return {
    async configure(req: pulumi.dynamic.ConfigureRequest) {
      for (const [field, key] of Object.entries(configKeys)) connection[field] = req.config.get(key);
    },
    async check(olds: Props, news: Props) {
      return (await runtime()).check(kind, news, connection, olds) as pulumi.dynamic.CheckResult;
    },
    async diff(_id: string, olds: Props, news: Props) {
      return (await runtime()).diff(kind, olds, news) as pulumi.dynamic.DiffResult;
    },
    async create(inputs: Props) {
      return (await runtime()).create(kind, connection, inputs);
    },
    async read(id: string, props: Props) {
      return (await runtime()).read(kind, connection, id, props);
    },
    async update(id: string, olds: Props, news: Props) {
      return (await runtime()).update(kind, connection, id, olds, news);
    },
    async delete(id: string, props: Props) {
      await (await runtime()).remove(kind, connection, id, props);
    },
  };
}
