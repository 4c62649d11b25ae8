/**
 * The stack config as the Pulumi runtime holds it (PULUMI_CONFIG and its secret key list),
 * read raw so `loadStackConfig` can validate every key at once and check that secrets were
 * set with --secret, without `pulumi.Config` logging or throwing per key.
 */
import * as pulumi from '@pulumi/pulumi';
import type { ConfigSource } from './config.js';

export function pulumiConfigSource(): ConfigSource {
  // `isConfigSecret` is exported by the runtime but not in its typings (@internal).
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return {
    get: (key) => pulumi.runtime.getConfig(key),
    isSecret: (key) => (typeof runtime.isConfigSecret === 'function' ? runtime.isConfigSecret(key) : undefined),
    keys: () => Object.keys(pulumi.runtime.allConfig()),
  };
}
