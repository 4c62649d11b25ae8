/**
 * A rendered file written to a host over SSH (SFTP) by @pulumi/command's CopyToRemote, plus a
 * companion Command that checks the file landed and, on delete, removes it: CopyToRemote has
 * no delete of its own (packages/gateway/VENDOR-NOTES.md#copy-to-remote), so without the companion `pulumi destroy` would
 * leave a Traefik router serving a deleted app.
 */
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { remoteFileCheckName } from '@booxstream/gateway';

/** Paths go into a shell command: letters, digits and `._/-` only, absolute. */
const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;

export interface RemoteFileArgs {
  /** SSH connection (host key pinned, key secret). */
  connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  /** Absolute path of the file on the host; the parent directory is created if missing. */
  remotePath: string;
  /** File content. */
  content: pulumi.Input<string>;
  /** Remove the file when the resource is deleted (Traefik app files: yes; cloudflared's config.yml: no). */
  removeOnDelete: boolean;
}

export interface RemoteFile {
  readonly copy: command.remote.CopyToRemote;
  readonly check: command.remote.Command;
}

/**
 * Declares the copy (named `name`) and its companion (`<name>-check`) as children of `parent`.
 * @throws pulumi.ResourceError when the path is not absolute or has shell-special characters.
 */
export function remoteFile(name: string, args: RemoteFileArgs, parent: pulumi.Resource): RemoteFile {
  if (!SAFE_PATH.test(args.remotePath) || args.remotePath.includes('..')) {
    throw new pulumi.ResourceError(`remote file ${name}: path ${JSON.stringify(args.remotePath)} must be absolute and use only letters, digits and ._/-`, parent);
  }
  const copy = new command.remote.CopyToRemote(
    name,
    { connection: args.connection, source: pulumi.output(args.content).apply((text) => new pulumi.asset.StringAsset(text)), remotePath: args.remotePath },
    { parent },
  );
  const quoted = `'${args.remotePath}'`;
  // Its inputs depend only on the path and host: a content change never replaces it (a
  // replacement would run the old instance's delete, removing the file just written).
  const check = new command.remote.Command(
    remoteFileCheckName(name),
    {
      connection: args.connection,
      create: `test -s ${quoted}`,
      ...(args.removeOnDelete ? { delete: `rm -f ${quoted}` } : {}),
    },
    { parent, dependsOn: [copy] },
  );
  return { copy, check };
}
