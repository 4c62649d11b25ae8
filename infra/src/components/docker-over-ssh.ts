/**
 * A Docker provider for a machine's daemon over ssh://. The docker CLI's ssh helper needs the
 * key and known_hosts on disk (see ssh.ts): they are written from inside an `apply` on the
 * secret key, one pair per machine.
 */
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { SshHostConfig } from '../config.js';
import { dockerHost, dockerSshOpts, sshMaterialPaths, writeSshMaterial } from '../ssh.js';

export function dockerOverSsh(
  name: string,
  host: SshHostConfig,
  privateKey: pulumi.Input<string>,
  machine: 'vm' | 'gateway',
  stack: string,
  parent: pulumi.Resource,
): docker.Provider {
  const paths = sshMaterialPaths(stack, process.env, machine);
  const sshOpts = pulumi.secret(privateKey).apply((key) => {
    writeSshMaterial(paths, key, host);
    return dockerSshOpts(paths);
  });
  // The options name files, not secrets; unsecret keeps them readable in previews.
  return new docker.Provider(name, { host: dockerHost(host), sshOpts: pulumi.unsecret(sshOpts) }, { parent });
}
