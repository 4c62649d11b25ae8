/**
 * The rendered nftables ruleset, loaded by the real `nft` into a namespace playing the app VM,
 * with real TCP connections from namespaces playing the gateway, a LAN machine and a machine
 * outside the LAN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNftables } from '../../src/render/host/nftables.js';
import { createTestLan, PEERS, TEST_VM, type Peer, type TestLan } from './netns.js';

const SERVER_PORT = TEST_VM.ports.find((p) => p.name === 'server-http')!.port;
const DEVICE_PORT = TEST_VM.ports.find((p) => p.name === 'device')!.port;
const UNLISTED_PORT = 9999;
const host = TEST_VM;
const ruleset = renderNftables(host);

let lan: TestLan;
beforeAll(async () => {
  lan = await createTestLan();
  await lan.listen([22, SERVER_PORT, DEVICE_PORT, UNLISTED_PORT]);
}, 30_000);
afterAll(async () => lan?.destroy());

/** Every (peer, port) pair probed at once: a dropped SYN costs the whole timeout. */
async function reachability(): Promise<Record<string, boolean>> {
  const pairs = (Object.keys(PEERS) as Peer[]).flatMap((peer) => [22, SERVER_PORT, DEVICE_PORT, UNLISTED_PORT].map((port) => [peer, port] as const));
  const results = await Promise.all(pairs.map(([peer, port]) => lan.canConnect(peer, port)));
  return Object.fromEntries(pairs.map(([peer, port], i) => [`${peer}:${port}`, results[i]!]));
}

describe('nftables ruleset in network namespaces', () => {
  it('nft -c accepts the rendered file', async () => {
    await expect(lan.exec(lan.ns.host, ['nft', '-c', '-f', '/dev/stdin'], ruleset.text)).resolves.toBe('');
  });

  it('before it is applied every port answers everyone (the probes can see a difference)', async () => {
    const open = await reachability();
    expect(Object.values(open).every(Boolean)).toBe(true);
  }, 20_000);

  it('applied: SSH and the device port from the LAN only, the server port from the gateway only, the rest dropped', async () => {
    await lan.exec(lan.ns.host, ['nft', '-f', '/dev/stdin'], ruleset.text);
    expect(await reachability()).toEqual({
      'gateway:22': true,
      [`gateway:${SERVER_PORT}`]: true,
      [`gateway:${DEVICE_PORT}`]: true,
      [`gateway:${UNLISTED_PORT}`]: false,
      'lan:22': true,
      [`lan:${SERVER_PORT}`]: false,
      [`lan:${DEVICE_PORT}`]: true,
      [`lan:${UNLISTED_PORT}`]: false,
      'outside:22': false,
      [`outside:${SERVER_PORT}`]: false,
      [`outside:${DEVICE_PORT}`]: false,
      [`outside:${UNLISTED_PORT}`]: false,
    });
  }, 20_000);

  it('applying it again replaces only its own table and gives the same ruleset', async () => {
    // Another table (as Docker or Fail2Ban would have) must survive the re-apply.
    await lan.exec(lan.ns.host, ['nft', 'add', 'table', 'inet', 'someone_else']);
    const before = await lan.exec(lan.ns.host, ['nft', 'list', 'table', ...ruleset.table.split(' ')]);
    await lan.exec(lan.ns.host, ['nft', '-f', '/dev/stdin'], ruleset.text);
    expect(await lan.exec(lan.ns.host, ['nft', 'list', 'table', ...ruleset.table.split(' ')])).toBe(before.replace(/packets \d+ bytes \d+/g, 'packets 0 bytes 0'));
    expect(await lan.exec(lan.ns.host, ['nft', 'list', 'tables'])).toContain('table inet someone_else');
  });

  it('a broken file is refused whole and leaves the running ruleset as it was', async () => {
    const before = await lan.exec(lan.ns.host, ['nft', 'list', 'ruleset']);
    const broken = ruleset.text.replace(`tcp dport ${SERVER_PORT}`, 'tcp dport 70000');
    await expect(lan.exec(lan.ns.host, ['nft', '-f', '/dev/stdin'], broken)).rejects.toThrow(/70000/);
    expect(await lan.exec(lan.ns.host, ['nft', 'list', 'ruleset'])).toBe(before);
  });
});
