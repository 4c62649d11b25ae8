/**
 * The ruleset's forward chain with a Docker-style published port: the host DNATs the server
 * port to a "container" namespace behind a veth, as Docker's port publishing does, so those
 * connections cross the forward hook and never the input hook. Only the gateway may reach the
 * container through the published port; traffic that is not DNAT-ed is left alone.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNftables } from '../../src/render/host/nftables.js';
import { createTestLan, TEST_VM, type TestLan } from './netns.js';

const run = promisify(execFile);
const SERVER_PORT = TEST_VM.ports.find((p) => p.name === 'server-http')!.port;
const CONTAINER_ADDRESS = '172.30.0.2';
const ruleset = renderNftables(TEST_VM);

let lan: TestLan;
let container: string;
let listener: ChildProcess | undefined;

beforeAll(async () => {
  lan = await createTestLan();
  container = `${lan.ns.host}-ctr`;
  // From the machine's own namespace, like createTestLan: `ip netns add` inside `ip netns exec`
  // would mount the new namespace in a mount namespace that ends with the command.
  const ip = (...args: string[]) => run('ip', ['-n', lan.ns.host, ...args]);
  await run('ip', ['netns', 'add', container]);
  await ip('link', 'add', 'docker0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', container);
  await ip('addr', 'add', '172.30.0.1/24', 'dev', 'docker0');
  await ip('link', 'set', 'docker0', 'up');
  await lan.exec(container, ['ip', 'addr', 'add', `${CONTAINER_ADDRESS}/24`, 'dev', 'eth0']);
  await lan.exec(container, ['ip', 'link', 'set', 'eth0', 'up']);
  await lan.exec(container, ['ip', 'link', 'set', 'lo', 'up']);
  await lan.exec(container, ['ip', 'route', 'add', 'default', 'via', '172.30.0.1']);
  await lan.exec(lan.ns.host, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  // Docker's publishing, reduced to its essence: DNAT in prerouting.
  await lan.exec(lan.ns.host, ['nft', '-f', '/dev/stdin'], `table ip dockerish {\n\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\ttcp dport ${SERVER_PORT} dnat to ${CONTAINER_ADDRESS}:${SERVER_PORT}\n\t}\n}\n`);
  const code = `require('node:net').createServer(s=>s.end()).listen(${SERVER_PORT},'0.0.0.0',()=>console.log('ready'))`;
  listener = spawn('ip', ['netns', 'exec', container, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    listener!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    listener!.once('exit', (c) => reject(new Error(`container listener exited with ${c}`)));
  });
}, 30_000);

afterAll(async () => {
  listener?.kill('SIGKILL');
  if (container) await run('ip', ['netns', 'del', container]).catch(() => undefined);
  await lan?.destroy();
});

describe('a Docker-published server port behind the ruleset', () => {
  it('without the ruleset, every peer reaches the container through the published port (the probe works)', async () => {
    expect(await Promise.all([lan.canConnect('gateway', SERVER_PORT), lan.canConnect('lan', SERVER_PORT)])).toEqual([true, true]);
  });

  it('with it, the gateway still does and another LAN machine does not', async () => {
    await lan.exec(lan.ns.host, ['nft', '-f', '/dev/stdin'], ruleset.text);
    expect(await Promise.all([lan.canConnect('gateway', SERVER_PORT), lan.canConnect('lan', SERVER_PORT), lan.canConnect('outside', SERVER_PORT)])).toEqual([true, false, false]);
  }, 10_000);

  it('connections that are not DNAT-ed (a container talking to another on the same port) are left alone', async () => {
    // From the host namespace to the container directly: crosses no forward hook rule of ours.
    const direct = await lan.exec(lan.ns.host, ['timeout', '1', 'bash', '-c', `exec 3<>/dev/tcp/${CONTAINER_ADDRESS}/${SERVER_PORT} && echo ok`]);
    expect(direct.trim()).toBe('ok');
  });
});
