/**
 * `pnpm verify`: runs the post-deploy checks against a deployed stack.
 *
 *   pulumi stack output --json | pnpm verify
 *   pnpm verify --outputs outputs.json [--timeout-ms 10000] [--identity-path /api/me]
 *               [--connect-to booxstream.kevinvdb.dev=192.168.1.200:80 ...]
 *               [--traefik-api http://192.168.1.200:8080]
 *
 * Prints a PASS/FAIL table; exits 0 when every check passed, 1 when one failed, 2 on bad
 * usage or unreadable outputs.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { formatTable, runChecks, type VerifyOptions } from './checks.js';
import { parseTargets, TargetsError } from './targets.js';

export interface CliArgs {
  outputsFile?: string;
  options: VerifyOptions;
}

export class UsageError extends Error {
  readonly code = 'INFRA_ERR_VERIFY_USAGE';
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const connectTo = new Map<string, { host: string; port: number }>();
  const options: VerifyOptions = {};
  let outputsFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--outputs':
        outputsFile = value();
        break;
      case '--timeout-ms': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 100 || n > 120_000) throw new UsageError('--timeout-ms must be an integer from 100 to 120000');
        options.timeoutMs = n;
        break;
      }
      case '--identity-path': {
        const p = value();
        if (!p.startsWith('/')) throw new UsageError('--identity-path must start with /');
        options.identityPath = p;
        break;
      }
      case '--connect-to': {
        const m = /^([^=\s]+)=([^:\s]+|\[[^\]]+\]):(\d{1,5})$/.exec(value());
        if (!m) throw new UsageError('--connect-to takes HOSTNAME=ADDRESS:PORT');
        connectTo.set(m[1]!, { host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) });
        break;
      }
      case '--traefik-api': {
        const u = value();
        if (!/^https?:\/\/[^/]/.test(u)) throw new UsageError('--traefik-api takes http(s)://HOST:PORT (Traefik\'s API, the seed\'s port 8080)');
        options.traefikApiUrl = u;
        break;
      }
      case '--':
        break;
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  if (connectTo.size > 0) options.connectTo = connectTo;
  return { ...(outputsFile !== undefined ? { outputsFile } : {}), options };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs;
  let text: string;
  try {
    args = parseArgs(argv);
    if (args.outputsFile !== undefined) text = readFileSync(args.outputsFile, 'utf8');
    else if (process.stdin.isTTY) throw new UsageError('no stack outputs: pipe `pulumi stack output --json` or pass --outputs <file>');
    else text = await readStdin();
    const targets = parseTargets(text);
    const results = await runChecks(targets, args.options);
    process.stdout.write(`${formatTable(results)}\n`);
    return results.every((r) => r.ok) ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError || error instanceof TargetsError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`verify: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

// Run when executed (tsx src/verify/cli.ts), not when imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`verify: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(2);
    },
  );
}
