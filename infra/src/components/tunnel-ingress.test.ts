import { expect, it } from 'vitest';
import { remoteConfigProblem } from './tunnel-ingress.js';

it('accepts a remotely-managed tunnel and names the config key for a locally-managed one', () => {
  expect(remoteConfigProblem('t-1', 'cloudflare')).toBeUndefined();
  expect(remoteConfigProblem('t-1', 'local')).toContain('booxstream:cloudflare.tunnelMode');
  expect(remoteConfigProblem('t-1', 'local')).toContain('config_src=local');
});
