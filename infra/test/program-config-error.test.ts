/** A stack with missing and bad keys stops the program before any resource, naming every key. */
import * as pulumi from '@pulumi/pulumi';
import { expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { exampleStack } from './example-stack.js';

it('fails at the start with every bad key named and declares nothing', async () => {
  const registered: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(`${args.type}::${args.name}`);
        return { id: args.name, state: args.inputs };
      },
      call: () => ({}),
    },
    'booxstream',
    'example',
  );
  const { config, secretKeys } = exampleStack();
  delete config['booxstream:authentikToken'];
  config['booxstream:gatewayHost'] = JSON.stringify({ ...JSON.parse(config['booxstream:gatewayHost']!), sshPort: 'twenty-two' });
  pulumi.runtime.setAllConfig(config, secretKeys);

  const error = await import('../index.js').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['booxstream:gatewayHost.sshPort', 'booxstream:authentikToken']);
  expect((error as ConfigError).message).toContain('pulumi config set --secret authentikToken');
  expect(registered).toEqual([]);
}, 60_000);
