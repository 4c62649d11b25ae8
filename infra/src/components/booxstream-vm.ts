/**
 * The BooxStream server on its VM: the image built from apps/server/Dockerfile by the VM's
 * own Docker daemon (over ssh://), a named volume for DATA_DIR, and the hardened container.
 */
import { isAbsolute, resolve } from 'node:path';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../config.js';
import { envList, serverContainerSpec, serverEnvironment } from '../server-container.js';
import { declareContainer } from './app-container.js';
import { dockerOverSsh } from './docker-over-ssh.js';

export interface BooxStreamVmArgs {
  /** The validated stack config (vm, server, gateway host, the server's gateway app). */
  config: StackConfig;
  /** Private key of `vm.sshUser`, a secret. */
  sshPrivateKey: pulumi.Input<string>;
  /** Extra environment variables (serverSecrets); the container's envs become secret when any is set. */
  secretEnv: pulumi.Input<Record<string, string>>;
  /** Directory the Pulumi project lives in: the build context is resolved from it. [projectDir=process.cwd()] */
  projectDir?: string;
  /** Stack name, for the per-stack SSH material directory. [stack=pulumi.getStack()] */
  stack?: string;
}

export class BooxStreamVm extends pulumi.ComponentResource {
  /** Image id the container runs (changes on every rebuild, which replaces the container). */
  readonly imageDigest: pulumi.Output<string>;
  readonly containerName: pulumi.Output<string>;
  /** `http://<vm>:<port>/healthz`, what the gateway's health check and `pnpm verify` reach. */
  readonly healthzUrl: pulumi.Output<string>;
  /** The VM's Docker daemon (over ssh://): deployed model apps run on it too. */
  readonly dockerProvider: docker.Provider;

  constructor(name: string, args: BooxStreamVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super('booxstream:server:BooxStreamVm', name, {}, opts);
    const cfg = args.config;
    const vm = cfg.vm;
    const projectDir = args.projectDir ?? process.cwd();
    const context = isAbsolute(vm.buildContext) ? vm.buildContext : resolve(projectDir, vm.buildContext);

    const provider = dockerOverSsh(`${name}-docker`, vm, args.sshPrivateKey, 'vm', args.stack ?? pulumi.getStack(), this);

    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: `${vm.imageName}:latest`,
        build: { context, dockerfile: resolve(context, vm.dockerfile), platform: vm.platform },
        // Built by the VM's daemon and used there: nothing to push. CI previews must not build.
        skipPush: true,
        buildOnPreview: false,
      },
      { parent: this, provider },
    );

    // DATA_DIR holds the device registrations (SQLite). Kept on destroy: deleting the stack
    // must not delete the data; `docker volume rm` is a deliberate, manual act.
    const volume = new docker.Volume(
      `${name}-data`,
      { name: vm.dataVolume, labels: [{ label: 'app', value: 'booxstream' }] },
      { parent: this, provider, retainOnDelete: true, deleteBeforeReplace: true },
    );

    const spec = serverContainerSpec(cfg);
    const env = serverEnvironment(cfg);
    const envs = pulumi.output(args.secretEnv).apply((secretEnv) => envList({ ...env, ...secretEnv }));
    const container = declareContainer(
      `${name}-container`,
      {
        name: spec.name,
        // The image id, not the tag: a rebuild changes it and so replaces the container.
        image: image.repoDigest,
        user: spec.user,
        restart: spec.restart,
        readOnly: spec.readOnly,
        tmpfs: spec.tmpfs,
        capabilities: spec.capabilities,
        securityOpts: spec.securityOpts,
        init: spec.init,
        memory: spec.memory,
        ports: spec.ports,
        volumes: [{ volumeName: volume.name, containerPath: spec.volumeContainerPath }],
        envs,
        healthcheck: spec.healthcheck,
        logDriver: spec.logDriver,
        logOpts: spec.logOpts,
        wait: spec.wait,
        waitTimeout: spec.waitTimeout,
        stopTimeout: spec.stopTimeout,
        destroyGraceSeconds: spec.destroyGraceSeconds,
        labels: [{ label: 'app', value: 'booxstream' }],
      },
      // A fixed name and fixed host ports: delete-before-replace (declareContainer).
      { parent: this, provider },
    );

    this.dockerProvider = provider;
    this.imageDigest = image.repoDigest;
    this.containerName = container.name;
    this.healthzUrl = pulumi.output(`${cfg.serverApp.upstream.replace(/\/+$/, '')}/healthz`);
    this.registerOutputs({ imageDigest: this.imageDigest, containerName: this.containerName, healthzUrl: this.healthzUrl });
  }
}
