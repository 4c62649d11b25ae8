/**
 * The secret keys: API tokens, SSH private keys, extra server environment. Values stay plain
 * here; index.ts wraps each in `pulumi.secret` before any use. No message quotes a value.
 */
import { z } from '@booxstream/config-kit';

/** Environment variables the program sets itself; serverSecrets may not override them. */
export const MANAGED_SERVER_ENV = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DEVICE_PORT',
  'TRUSTED_PROXIES',
  'ADMIN_GROUPS',
  'DEVICE_APPROVAL',
  'LOG_LEVEL',
  'WEB_ROOT',
  'NODE_ENV',
] as const;

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export const API_TOKEN_SCHEMA = z
  .string()
  .transform((v) => v.trim())
  .refine((v) => !/\s/.test(v) && v.length >= 8, { error: 'must be a single API token (no spaces, at least 8 characters)' });

/** An OpenSSH or PEM private key without a passphrase, with LF line ends and a final newline. */
export function privateKeySchema(name: string) {
  const howTo = `\`pulumi config set --secret ${name} < ~/.ssh/id_ed25519\``;
  return z
    .string()
    .transform((v) => v.trim().replace(/\r\n/g, '\n'))
    .check((ctx) => {
      const text = ctx.value;
      const problem = (message: string): void => void ctx.issues.push({ code: 'custom', message, input: '(redacted)' });
      const pem = /^-----BEGIN ((?:OPENSSH|RSA|EC|DSA) )?PRIVATE KEY-----\n[\s\S]+\n-----END \1?PRIVATE KEY-----$/;
      if (!pem.test(text)) {
        return problem(
          /^(ssh-|ecdsa-|sk-)/.test(text)
            ? `this is a public key; set the private key: ${howTo}`
            : `must be a private key in OpenSSH or PEM format: ${howTo}`,
        );
      }
      if (/ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(text) || isEncryptedOpenSsh(text)) {
        problem('is passphrase-protected; Docker over ssh:// cannot prompt for it: use a dedicated key without a passphrase');
      }
    })
    .transform((v) => `${v}\n`);
}

/** OpenSSH keys name their cipher after the magic: `none` means no passphrase. */
function isEncryptedOpenSsh(text: string): boolean {
  if (!text.includes('BEGIN OPENSSH PRIVATE KEY')) return false;
  const body = text.split('\n').filter((l) => !l.startsWith('-----')).join('');
  const bytes = Buffer.from(body, 'base64');
  const magic = 'openssh-key-v1\0';
  if (bytes.subarray(0, magic.length).toString('latin1') !== magic) return false;
  const len = bytes.readUInt32BE(magic.length);
  return bytes.subarray(magic.length + 4, magic.length + 4 + len).toString('latin1') !== 'none';
}

/** Extra environment variables for the server container: names checked, never one the program sets. */
export const SERVER_SECRETS_SCHEMA = z
  .record(z.string(), z.unknown(), { error: 'must be a mapping of environment variable names to values' })
  .check((ctx) => {
    for (const [name, v] of Object.entries(ctx.value)) {
      const problem = (message: string): void => void ctx.issues.push({ code: 'custom', message, path: [name], input: '(redacted)' });
      if (!ENV_NAME.test(name)) problem('is not an environment variable name (A-Z, 0-9, _)');
      else if ((MANAGED_SERVER_ENV as readonly string[]).includes(name)) problem('is set by the program itself; configure it through vm / server instead');
      else if (typeof v !== 'string') problem('must be a string');
    }
  })
  .transform((r) => r as Record<string, string>);

/** Secret values, plain here; index.ts wraps each in `pulumi.secret` before any use. */
export interface StackSecrets {
  readonly cloudflareApiToken: string;
  readonly authentikToken: string;
  readonly gatewaySshPrivateKey: string;
  readonly vmSshPrivateKey: string;
  readonly serverSecrets: Readonly<Record<string, string>>;
  /** Set when the gateway model declares ids: Traefik's bouncer and CrowdSec share it. */
  readonly crowdsecBouncerKey?: string;
}
