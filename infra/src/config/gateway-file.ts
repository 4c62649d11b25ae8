/**
 * The gateway model, read from the file `booxstream:gatewayFile` names (the one declaration
 * people edit, also rendered by `pnpm preview`). Its problems sit under the key:
 * `booxstream:gatewayFile.apps[0].hostname`.
 */
import { type ConfigIssue, prefixIssues } from '@booxstream/config-kit';
import { GatewayConfigError, parseGatewayYaml, validateGateway, type Gateway } from '@booxstream/gateway';
import { fullKey, type ProjectFiles } from './keys.js';

export function readGatewayFile(files: ProjectFiles, path: string, issues: ConfigIssue[]): Gateway | undefined {
  const key = fullKey('gatewayFile');
  let text: string;
  try {
    text = files.readFile(path);
  } catch (error) {
    issues.push({ path: key, message: `cannot read ${JSON.stringify(path)} (relative to infra/): ${(error as Error).message}` });
    return undefined;
  }
  try {
    return validateGateway(parseGatewayYaml(text, path));
  } catch (error) {
    if (!(error instanceof GatewayConfigError)) throw error;
    // A YAML syntax error is on the file as a whole (its message names the file and line).
    issues.push(...prefixIssues(key, error.issues.map((i) => (i.path === '(file)' ? { ...i, path: '' } : i))));
    return undefined;
  }
}
