/**
 * The gateway model's JSON schema, generated from the zod schema so editors check a gateway
 * file against the same fields, patterns and defaults the program enforces. The committed copy
 * (`gateway.schema.json`, named by the example's `yaml-language-server` line) is regenerated
 * with `pnpm --filter @booxstream/gateway schema`; a test keeps it equal to this.
 *
 * Rules written as code (FQDN labels, origin URLs, uniqueness across apps, a `deploy` image's
 * "exactly one of pull or build", credential-looking env names, a database's subnet) and the
 * `ids` / `mfa` layers (checked by their own modules) are not in it: `validateGateway` remains
 * the gate.
 */
import { fileURLToPath } from 'node:url';
import { z } from '@booxstream/config-kit';
import { GATEWAY_SCHEMA } from './schema.js';

/** Where the committed schema lives: next to the package's README, beside `examples/`. */
export const GATEWAY_JSON_SCHEMA_PATH = fileURLToPath(new URL('../../gateway.schema.json', import.meta.url));

/** What people write (`io: 'input'`: defaulted fields optional), as draft-07, which every YAML editor supports. */
export function gatewayJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(GATEWAY_SCHEMA, { io: 'input', target: 'draft-7', unrepresentable: 'any' });
  return { $schema, title: 'BooxStream gateway', ...rest };
}

/** The file's text: two-space JSON and a final newline. */
export function gatewayJsonSchemaText(): string {
  return `${JSON.stringify(gatewayJsonSchema(), null, 2)}\n`;
}
