/** `pnpm --filter @booxstream/gateway schema`: rewrites gateway.schema.json from the model's schema. */
import { writeFileSync } from 'node:fs';
import { GATEWAY_JSON_SCHEMA_PATH, gatewayJsonSchemaText } from './json-schema.js';

writeFileSync(GATEWAY_JSON_SCHEMA_PATH, gatewayJsonSchemaText());
process.stdout.write(`wrote ${GATEWAY_JSON_SCHEMA_PATH}\n`);
