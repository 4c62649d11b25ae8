/**
 * The intrusion-detection layer on the gateway: CrowdSec's rendered files copied over SSH, the
 * bouncer's key written where Traefik reads it (owner-only, from the secret), and the
 * hardened CrowdSec container next to Traefik (Docker over SSH). The key is a Pulumi secret
 * end to end: the container's environment and the key file's stdin are secret inputs.
 */
import * as command from '@pulumi/command';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { renderCrowdsec, type IdsLayer } from '@booxstream/gateway';
import type { GatewayHostConfig } from '../config.js';
import { crowdsecContainerSpec, CROWDSEC_HOST_CONFIG_DIR, TRAEFIK_BOUNCER_NAME } from '../crowdsec-container.js';
import { sha256 } from '../digest.js';
import { envList } from '../server-container.js';
import { dockerOverSsh } from './docker-over-ssh.js';
import { remoteFile } from './remote-file.js';

export interface CrowdsecArgs {
  ids: IdsLayer;
  gatewayHost: GatewayHostConfig;
  connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  sshPrivateKey: pulumi.Input<string>;
  bouncerKey: pulumi.Input<string>;
  /** Where Traefik's container finds `ids.bouncerKeyFile` on the gateway's disk. [bouncerKeyHostPath='/opt/traefik/crowdsec/bouncer.key'] */
  bouncerKeyHostPath?: string;
  /** Docker network Traefik is on. [network='proxy'] */
  network?: string;
  stack: string;
}

export class Crowdsec extends pulumi.ComponentResource {
  /** Rendered file → sha256. */
  readonly fileHashes: pulumi.Output<Record<string, string>>;
  readonly containerName: pulumi.Output<string>;

  constructor(name: string, args: CrowdsecArgs, opts?: pulumi.ComponentResourceOptions) {
    super('booxstream:gateway:Crowdsec', name, {}, opts);
    const rendered = renderCrowdsec(args.ids);
    const copies = rendered.files.map(
      (f) => remoteFile(`${name}-${f.path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-yaml$/, '')}`, { connection: args.connection, remotePath: `${CROWDSEC_HOST_CONFIG_DIR}/${f.path}`, content: f.text, removeOnDelete: true }, this).check,
    );

    const keyPath = args.bouncerKeyHostPath ?? '/opt/traefik/crowdsec/bouncer.key';
    const keyFile = new command.remote.Command(
      `${name}-bouncer-key`,
      {
        connection: args.connection,
        create: `set -eu; umask 077; mkdir -p '${keyPath.replace(/\/[^/]+$/, '')}'; cat > '${keyPath}'`,
        update: `set -eu; umask 077; cat > '${keyPath}'`,
        delete: `rm -f '${keyPath}'`,
        stdin: pulumi.secret(args.bouncerKey),
      },
      { parent: this },
    );

    const provider = dockerOverSsh(`${name}-docker`, args.gatewayHost, args.sshPrivateKey, 'gateway', args.stack, this);

    const spec = crowdsecContainerSpec(args.ids, rendered, { gatewayAddress: args.gatewayHost.address, network: args.network ?? 'proxy' });
    const volumes = spec.volumes.map(
      (v) => new docker.Volume(`${name}-${v.name}`, { name: v.name }, { parent: this, provider, retainOnDelete: true }),
    );
    const envs = pulumi.secret(pulumi.output(args.bouncerKey).apply((key) => envList({ ...spec.env, [`BOUNCER_KEY_${TRAEFIK_BOUNCER_NAME}`]: key })));
    const container = new docker.Container(
      `${name}-container`,
      {
        name: spec.name,
        image: spec.image,
        restart: spec.restart,
        readOnly: spec.readOnly,
        tmpfs: spec.tmpfs,
        capabilities: spec.capabilities,
        securityOpts: spec.securityOpts,
        memory: spec.memory,
        envs,
        mounts: spec.mounts.map((m) => ({ type: 'bind', source: m.source, target: m.target, readOnly: m.readOnly })),
        volumes: spec.volumes.map((v, i) => ({ volumeName: volumes[i]!.name, containerPath: v.containerPath })),
        ports: spec.ports,
        networksAdvanced: [{ name: spec.network.name, aliases: spec.network.aliases }],
        // A changed file is picked up by a restart, not a new container.
        labels: [{ label: 'booxstream.crowdsec-config', value: sha256(rendered.files.map((f) => f.text).join('\n')) }],
      },
      { parent: this, provider, dependsOn: [...copies, keyFile], deleteBeforeReplace: true },
    );

    this.fileHashes = pulumi.output(Object.fromEntries(rendered.files.map((f) => [`crowdsec/${f.path}`, sha256(f.text)])));
    this.containerName = container.name;
    this.registerOutputs({ fileHashes: this.fileHashes, containerName: this.containerName });
  }
}
