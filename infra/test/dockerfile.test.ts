/**
 * apps/server/Dockerfile, read as Docker reads it (no Docker engine here, so it is never built
 * in these tests): the properties the issue requires, and the agreement between the image and
 * what the program sets on the container. The HEALTHCHECK command itself is run against a
 * local server.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTAINER_DATA_DIR, IMAGE_WEB_ROOT } from '../src/server-container.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DOCKERFILE = `${REPO}apps/server/Dockerfile`;

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Dockerfile → stages of instructions (comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] ?? '';
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i++;
      const next = lines[i] ?? '';
      if (/^\s*#/.test(next)) continue;
      line = line.replace(/\\\s*$/, ' ') + next.trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`unparsable Dockerfile line ${start + 1}: ${line}`);
    const keyword = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (keyword === 'ARG' && stages.length === 0) {
      const [k, v] = rest.split('=');
      args[k!] = v ?? '';
      continue;
    }
    if (keyword === 'FROM') {
      const fm = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      const from = fm![1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? '');
      stages.push({ from, name: fm![2], instructions: [] });
      continue;
    }
    stages.at(-1)!.instructions.push({ keyword, args: rest, line: start + 1 });
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const stageNamed = (name: string) => dockerfile.stages.find((s) => s.name === name)!;

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('apps/server/Dockerfile', () => {
  it('is multi-stage on node:20-bookworm-slim, the runtime stage last', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    expect(dockerfile.stages[0]!.from).toBe('node:20-bookworm-slim');
    expect(runtime.from).toBe('node:20-bookworm-slim');
  });

  it('builds with the lockfile, pnpm 10, the web app and the server bundle', () => {
    const build = stageNamed('build');
    const runs = all(build, 'RUN').map((r) => r.args).join('\n');
    expect(runs).toContain('npm install -g pnpm@10');
    expect(runs).toMatch(/pnpm install --frozen-lockfile/);
    expect(runs).toContain('pnpm --filter @booxstream/web build');
    expect(runs).toContain('pnpm --filter @booxstream/server build');
    // The bundle the image runs is what apps/server/build.mjs writes.
    expect(readFileSync(`${REPO}apps/server/build.mjs`, 'utf8')).toContain("outfile: 'dist/main.js'");
  });

  it('installs every workspace package the server depends on', () => {
    const runs = all(stageNamed('build'), 'RUN').map((r) => r.args).join('\n');
    const deps = Object.entries((JSON.parse(readFileSync(`${REPO}apps/server/package.json`, 'utf8')) as { dependencies: Record<string, string> }).dependencies)
      .filter(([, version]) => version.startsWith('workspace:'))
      .map(([name]) => name);
    expect(deps).toContain('@booxstream/jpeg-delta');
    for (const name of deps) expect(runs).toContain(`--filter ${name}`);
  });

  it('builds the jpeg-delta addon or fails, and ships it with libjpeg beside the bundle', () => {
    const runs = all(stageNamed('build'), 'RUN').map((r) => r.args).join('\n');
    expect(runs).toMatch(/apt-get install [^\n]*libjpeg62-turbo-dev/);
    expect(runs).toContain('pnpm --filter @booxstream/jpeg-delta build');
    expect(JSON.parse(readFileSync(`${REPO}packages/jpeg-delta/package.json`, 'utf8')).scripts.build).toContain('--required');
    expect(runs).toMatch(/cp -L \/usr\/lib\/\*-linux-gnu\/libjpeg\.so\.62 apps\/server\/dist\//);
    expect(runs).toContain('test -f apps/server/dist/jpeg_delta.node');
    // The addon finds that copy through its RUNPATH (packages/jpeg-delta's tests read it from the ELF).
  });

  it('ships production dependencies only: node_modules from `pnpm deploy --prod`, no install in the runtime stage', () => {
    const deploy = all(stageNamed('deps'), 'RUN').map((r) => r.args).join('\n');
    expect(deploy).toMatch(/pnpm --filter @booxstream\/server deploy --prod .*\/out/);
    const copies = all(runtime, 'COPY').map((c) => c.args);
    expect(copies).toContain('--from=deps /out/node_modules ./node_modules');
    expect(copies).toContain('--from=build /repo/apps/server/dist ./dist');
    expect(copies).toContain(`--from=build /repo/apps/web/dist .${IMAGE_WEB_ROOT.replace('/app', '')}`);
    expect(all(runtime, 'RUN').map((r) => r.args).join('\n')).not.toMatch(/pnpm|npm (install|ci)|apt-get/);
  });

  it('runs as a non-root user, set before CMD', () => {
    const users = all(runtime, 'USER');
    expect(users).toHaveLength(1);
    expect(users[0]!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(users[0]!.args).toBe('node');
    const cmd = all(runtime, 'CMD')[0]!;
    expect(users[0]!.line).toBeLessThan(cmd.line);
    expect(JSON.parse(cmd.args)).toEqual(['node', 'dist/main.js']);
  });

  it('declares the data volume and the environment the program relies on', () => {
    expect(all(runtime, 'VOLUME').map((v) => v.args)).toEqual([CONTAINER_DATA_DIR]);
    const env = all(runtime, 'ENV').map((e) => e.args).join(' ');
    expect(env).toContain(`DATA_DIR=${CONTAINER_DATA_DIR}`);
    expect(env).toContain(`WEB_ROOT=${IMAGE_WEB_ROOT}`);
    expect(env).toContain('NODE_ENV=production');
    expect(all(runtime, 'EXPOSE').map((e) => e.args)).toEqual(['3001 8080']);
    // The volume's mount point belongs to the app user, so a fresh volume is writable.
    expect(all(runtime, 'RUN').map((r) => r.args)).toContain('mkdir -p /data && chown node:node /data');
  });

  it('has a HEALTHCHECK on /healthz with Node (no curl in slim) that passes on 2xx and fails otherwise', async () => {
    const health = all(runtime, 'HEALTHCHECK')[0]!;
    const m = /CMD\s+(\[.*\])$/.exec(health.args);
    const exec = JSON.parse(m![1]!) as string[];
    expect(exec.slice(0, 2)).toEqual(['node', '-e']);
    expect(health.args).not.toMatch(/curl|wget/);
    expect(health.args).toMatch(/--interval=\d+s --timeout=\d+s/);

    const run = promisify(execFile);
    const probe = async (port: number) =>
      run(process.execPath, exec.slice(1), { env: { ...process.env, PORT: String(port) }, timeout: 10_000 }).then(
        () => 0,
        (e: { code?: number }) => e.code ?? -1,
      );
    let status = 200;
    server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end());
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    expect(await probe(port)).toBe(0);
    status = 503;
    expect(await probe(port)).toBe(1);
  });

  it('keeps host node_modules, build output, .git and local data out of the context (Dockerfile.dockerignore)', () => {
    // @pulumi/docker and BuildKit read <Dockerfile>.dockerignore before the context root's
    // .dockerignore (pulumi-docker provider.go getIgnorePatterns); the context is the repo root.
    const ignore = `${DOCKERFILE}.dockerignore`;
    expect(existsSync(ignore)).toBe(true);
    const patterns = readFileSync(ignore, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    for (const p of ['**/node_modules', '**/dist', '.git', '**/data', '**/.env', 'infra/Pulumi.*.yaml']) expect(patterns).toContain(p);
  });
});
