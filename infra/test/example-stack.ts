/**
 * The documented example stack (Pulumi.example.yaml) as the Pulumi runtime would present it:
 * full keys → raw strings (structured values as JSON text), plus the secrets the file only
 * describes, generated here (throwaway keys, fake tokens) and flagged as secret.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import type { ConfigSource, ProjectFiles } from '../src/config.js';

export const EXAMPLE_STACK_PATH = fileURLToPath(new URL('../Pulumi.example.yaml', import.meta.url));
const INFRA_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface ExampleStack {
  /** Full key → raw value, as PULUMI_CONFIG carries it. */
  config: Record<string, string>;
  /** Full keys set with --secret. */
  secretKeys: string[];
  /** The secret values, to assert they never leak. */
  secrets: { cloudflareApiToken: string; authentikToken: string; gatewaySshPrivateKey: string; vmSshPrivateKey: string; serverSecret: string; resticPassword: string; crowdsecBouncerKey: string };
}

export function privateKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function exampleStack(options: { serverSecrets?: boolean } = {}): ExampleStack {
  const doc = yaml.load(readFileSync(EXAMPLE_STACK_PATH, 'utf8')) as { config: Record<string, unknown> };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.config)) config[key] = typeof value === 'string' ? value : JSON.stringify(value);
  const secrets = {
    cloudflareApiToken: 'cf-test-token-0123456789abcdefghij',
    authentikToken: 'ak-test-token-0123456789abcdefghij',
    gatewaySshPrivateKey: privateKeyPem(),
    vmSshPrivateKey: privateKeyPem(),
    serverSecret: 'server-secret-value-0123456789',
    resticPassword: 'restic-test-password-0123456789',
    crowdsecBouncerKey: 'crowdsec-bouncer-key-0123456789abcdef',
  };
  config['booxstream:cloudflareApiToken'] = secrets.cloudflareApiToken;
  config['booxstream:authentikToken'] = secrets.authentikToken;
  config['booxstream:gatewaySshPrivateKey'] = secrets.gatewaySshPrivateKey;
  config['booxstream:vmSshPrivateKey'] = secrets.vmSshPrivateKey;
  config['booxstream:resticPassword'] = secrets.resticPassword;
  config['booxstream:crowdsecBouncerKey'] = secrets.crowdsecBouncerKey;
  const secretKeys = ['cloudflareApiToken', 'authentikToken', 'gatewaySshPrivateKey', 'vmSshPrivateKey', 'resticPassword', 'crowdsecBouncerKey'].map((k) => `booxstream:${k}`);
  if (options.serverSecrets) {
    config['booxstream:serverSecrets'] = JSON.stringify({ EXTRA_TOKEN: secrets.serverSecret });
    secretKeys.push('booxstream:serverSecrets');
  }
  return { config, secretKeys, secrets };
}

/** A ConfigSource over a plain map. */
export function mapSource(config: Record<string, string>, secretKeys: readonly string[]): ConfigSource {
  return {
    get: (key) => config[key],
    isSecret: (key) => secretKeys.includes(key),
    keys: () => Object.keys(config),
  };
}

/** The project's files as index.ts reads them (relative to infra/), with `extra` files in memory taking precedence. */
export function projectFiles(extra: Record<string, string> = {}): ProjectFiles {
  return { readFile: (path) => extra[path] ?? readFileSync(resolve(INFRA_DIR, path), 'utf8') };
}
