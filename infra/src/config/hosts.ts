/**
 * The two machines the program reaches over SSH: the gateway (Traefik's file directory and, in
 * local tunnel mode, cloudflared's config) and the BooxStream VM (Docker).
 */
import { isIP } from 'node:net';
import { integer, z } from '@booxstream/config-kit';
import { text } from './fields.js';

const SSH_KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);
const HOST_NAME = /^(?=.{1,253}$)([a-zA-Z0-9-]{1,63}\.)*[a-zA-Z0-9-]{1,63}$/;
const UNIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const IMAGE_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const SAFE_ABS_PATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * Checks an OpenSSH public key line (`type base64 [comment]`): known type, and the type
 * encoded inside the blob matches (catches a key pasted from the wrong line of ssh-keyscan).
 */
export function hostKeyProblem(line: string): string | undefined {
  const [type, blob] = line.trim().split(/\s+/);
  if (!type || !blob) return 'must be an OpenSSH public key line, `ssh-ed25519 AAAA…` (from `ssh-keyscan -t ed25519 <host>`, without the host name)';
  if (!SSH_KEY_TYPES.has(type)) return `key type ${JSON.stringify(type)} is not an SSH host key type (${[...SSH_KEY_TYPES].join(', ')})`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return 'the key data is not base64';
  const bytes = Buffer.from(blob, 'base64');
  const length = bytes.length >= 4 ? bytes.readUInt32BE(0) : -1;
  const inner = length > 0 && length + 4 <= bytes.length ? bytes.subarray(4, 4 + length).toString('latin1') : '';
  if (inner !== type) return `the key data is not a ${type} key${inner ? ` (it encodes ${inner})` : ''}`;
  return undefined;
}

const sshHost = {
  /** IP address or DNS name the SSH connection goes to. */
  address: text().refine((a) => isIP(a) !== 0 || HOST_NAME.test(a), { error: (iss) => `${JSON.stringify(iss.input)} is neither an IP address nor a host name` }),
  sshPort: integer(1, 65535).default(22),
  sshUser: text(UNIX_USER, 'a Unix user name'),
  /** The host's public key, `ssh-ed25519 AAAA…` (`ssh-keyscan -t ed25519 <host>`), pinned. */
  hostKey: text().check((ctx) => {
    const message = hostKeyProblem(ctx.value);
    if (message) ctx.issues.push({ code: 'custom', message, input: ctx.value });
  }),
};

export const GATEWAY_HOST_SCHEMA = z.strictObject({
  ...sshHost,
  /** Where a locally-managed tunnel's config.yml goes. */
  cloudflaredConfigPath: text(SAFE_ABS_PATH, 'an absolute path of letters, digits, . _ - /').default('/opt/cloudflare/config.yml'),
  /** Run after config.yml changes (locally-managed tunnel only). */
  cloudflaredRestartCommand: text().default('docker restart cloudflared'),
});

export const VM_SCHEMA = z.strictObject({
  ...sshHost,
  containerName: text(DOCKER_NAME, 'a Docker container name').default('booxstream'),
  /** Local image name on the VM's daemon. */
  imageName: text(IMAGE_NAME, 'a lowercase image name without tag').default('booxstream-server'),
  /** Named volume holding DATA_DIR (/data). */
  dataVolume: text(DOCKER_NAME, 'a Docker volume name').default('booxstream-data'),
  /** LAN port the tablets connect to; 0 turns the device port off. */
  devicePort: integer(0, 65535).default(8080),
  /** Memory limit of the container, in MB. */
  memoryMb: integer(64, 65536).default(512),
  /** Docker build context, relative to the Pulumi project (infra/). */
  buildContext: text().default('..'),
  /** Dockerfile, relative to the build context. */
  dockerfile: text().default('apps/server/Dockerfile'),
  /** The VM's platform, for the build. */
  platform: text(/^linux\/(amd64|arm64|arm\/v7)$/, 'linux/amd64, linux/arm64 or linux/arm/v7').default('linux/amd64'),
});

export type SshHostConfig = Readonly<z.output<z.ZodObject<typeof sshHost>>>;
export type GatewayHostConfig = Readonly<z.output<typeof GATEWAY_HOST_SCHEMA>>;
export type VmConfig = Readonly<z.output<typeof VM_SCHEMA>>;

/** The server believes identity headers only from the gateway: its address must be the IP TRUSTED_PROXIES gets. */
export function gatewayAddressProblem(address: string): string | undefined {
  return isIP(address) === 0
    ? 'must be an IP address: the server trusts identity headers from exactly this address (TRUSTED_PROXIES)'
    : undefined;
}
