/**
 * Reading a gateway declaration from a YAML (or JSON) file. The only module of the model that
 * touches the file system; everything else takes plain values.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { GatewayConfigError } from '../errors.js';
import type { Gateway } from './types.js';
import { validateGateway } from './validate.js';

/** Absolute path of the documented example, `examples/home.gateway.yaml`. */
export const EXAMPLE_GATEWAY_PATH = fileURLToPath(new URL('../../examples/home.gateway.yaml', import.meta.url));

/**
 * Parses and validates a gateway file.
 * @throws GatewayConfigError for a YAML syntax error (path `(file)`) or an invalid declaration.
 */
export function loadGatewayFile(path: string): Gateway {
  return validateGateway(parseGatewayYaml(readFileSync(path, 'utf8'), path));
}

/**
 * A gateway file's text as plain data, not yet validated (the Pulumi program reads the file
 * itself and reports problems under its own config key).
 * @throws GatewayConfigError for a YAML syntax error (path `(file)`).
 */
export function parseGatewayYaml(text: string, filename: string): unknown {
  try {
    // JSON_SCHEMA: no YAML 1.1 surprises (`no` → false, `010` → 8) in hostnames or paths.
    return yaml.load(text, { schema: yaml.JSON_SCHEMA, filename });
  } catch (err) {
    if (err instanceof yaml.YAMLException) throw new GatewayConfigError([{ path: '(file)', message: err.message }]);
    throw err;
  }
}

/** The seed's home gateway (BooxStream and AFFiNE on kevinvdb.dev), validated. */
export function loadExampleGateway(): Gateway {
  return loadGatewayFile(EXAMPLE_GATEWAY_PATH);
}
