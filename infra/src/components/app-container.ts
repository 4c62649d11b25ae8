/**
 * One container on the VM, from a plain spec: the single place the program turns container
 * settings into a `docker.Container`. The BooxStream server (BooxStreamVm) and every deployed
 * model app (AppDeployment) go through it; the hardening itself is decided upstream, in pure
 * code (`serverContainerSpec`, the gateway package's `planAppDeployment`).
 */
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { ContainerPlan, FilePlan } from '@booxstream/gateway';
import { envList } from '../server-container.js';

/** `docker.ContainerArgs` as the program fills it. */
export type ContainerSpec = docker.ContainerArgs;

/**
 * Declares the container. Fixed names (and, for some, fixed host ports) mean the old
 * container must go before its replacement starts (pulumi-docker#1356): delete-before-replace.
 */
export function declareContainer(name: string, spec: ContainerSpec, opts: pulumi.CustomResourceOptions): docker.Container {
  return new docker.Container(name, spec, { deleteBeforeReplace: true, ...opts });
}

/** Resolved inputs a plan needs from other resources. */
export interface ContainerInputs {
  image: pulumi.Input<string>;
  /** Network name in the plan → the network resource's name (an Output, so the network exists first). */
  networks: Record<string, pulumi.Input<string>>;
  /** Volume name in the plan → the volume resource's name. */
  volumes: Record<string, pulumi.Input<string>>;
  /** The plan's files with their content resolved (secret-derived ones are secret Outputs). */
  uploads: pulumi.Input<docker.types.input.ContainerUpload[]>;
  /** Label `app=<name>` on everything of one app. */
  app: string;
}

/** A deployed app's container plan → `docker.Container` args. Pure apart from the Outputs it threads through. */
export function planContainerArgs(c: ContainerPlan, inputs: ContainerInputs): ContainerSpec {
  const lookup = (kind: string, map: Record<string, pulumi.Input<string>>, key: string): pulumi.Input<string> => {
    const found = map[key];
    if (found === undefined) throw new Error(`container ${c.name}: ${kind} ${key} is not declared`);
    return found;
  };
  return {
    name: c.name,
    image: inputs.image,
    user: c.user,
    restart: c.restart,
    readOnly: c.readOnly,
    tmpfs: c.tmpfs,
    capabilities: c.capabilities,
    securityOpts: c.securityOpts,
    memory: c.memory,
    ports: c.ports,
    networksAdvanced: c.networks.map((n) => ({
      name: lookup('network', inputs.networks, n.name),
      aliases: n.aliases,
      ...(n.ipv4Address !== undefined ? { ipv4Address: n.ipv4Address } : {}),
    })),
    volumes: c.volumes.map((v) => ({ volumeName: lookup('volume', inputs.volumes, v.volume), containerPath: v.path })),
    envs: envList(c.env),
    uploads: inputs.uploads,
    healthcheck: c.healthcheck,
    ...(c.command !== undefined ? { command: c.command } : {}),
    logDriver: c.logDriver,
    logOpts: c.logOpts,
    // Pulumi waits for Docker's "healthy": a dependent container starts only after it.
    wait: true,
    waitTimeout: 180,
    labels: [{ label: 'app', value: inputs.app }],
  };
}

/** The files' uploads; any secret-derived content makes the whole list secret. */
export function planUploads(files: FilePlan[], content: (file: FilePlan) => pulumi.Input<string>): pulumi.Output<docker.types.input.ContainerUpload[]> {
  return pulumi.all(files.map((f) => pulumi.output(content(f)).apply((text) => ({ file: f.path, content: text, permissions: f.permissions }))));
}
