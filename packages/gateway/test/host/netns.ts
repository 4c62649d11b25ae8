/**
 * A small LAN made of network namespaces, for tests of the host layer with the real kernel
 * tools (iproute2, nft, sysctl, fail2ban). Nothing here touches the machine's own network
 * namespace except creating and deleting the namespaces it names.
 *
 *   host (the hardened machine)  br0: 10.201.0.1/24 (LAN) and 10.202.0.1/24 (outside the LAN)
 *   gateway  10.201.0.10        lan  10.201.0.20        outside  10.202.0.30
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { appVmHardening } from '../../src/model/host.js';

const run = promisify(execFile);

export const LAN_CIDR = '10.201.0.0/24';
export const HOST_LAN_ADDRESS = '10.201.0.1';
export const HOST_OUTSIDE_ADDRESS = '10.202.0.1';
export const PEERS = { gateway: '10.201.0.10', lan: '10.201.0.20', outside: '10.202.0.30' } as const;
export type Peer = keyof typeof PEERS;

/** The app VM's plan on this LAN: server port 3001, device port 8080. */
export const TEST_VM = appVmHardening({
  lan: [LAN_CIDR],
  gatewayAddress: PEERS.gateway,
  serverPort: 3001,
  devicePort: 8080,
  dataDir: '/var/lib/docker/volumes/booxstream-data/_data',
  configDir: '/etc/booxstream',
});

export interface TestLan {
  /** Namespace names: the hardened host and each peer. */
  readonly ns: { readonly host: string } & Record<Peer, string>;
  /** Runs a command inside a namespace; rejects with its stderr on a non-zero exit. */
  exec(ns: string, argv: readonly string[], input?: string): Promise<string>;
  /** Whether a TCP connection from `peer` to the host's `port` completes within `timeoutMs`. */
  canConnect(peer: Peer, port: number, timeoutMs?: number): Promise<boolean>;
  /** TCP listeners on these ports inside the host namespace (accept and close). */
  listen(ports: readonly number[]): Promise<void>;
  /** Deletes every namespace (and so every interface and listener socket); stops listeners. */
  destroy(): Promise<void>;
}

export async function createTestLan(): Promise<TestLan> {
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const ns = { host: `bx-${id}-host`, gateway: `bx-${id}-gw`, lan: `bx-${id}-lan`, outside: `bx-${id}-out` };
  const children: ChildProcess[] = [];
  const ip = (...args: string[]) => run('ip', args);
  const exec = async (name: string, argv: readonly string[], input?: string): Promise<string> => {
    const child = run('ip', ['netns', 'exec', name, ...argv], { timeout: 20_000 });
    if (input !== undefined) {
      // A command that fails before reading its input closes the pipe; its exit status is the verdict.
      child.child.stdin?.on('error', () => undefined);
      child.child.stdin?.end(input);
    }
    const { stdout } = await child;
    return stdout;
  };
  const destroy = async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const name of Object.values(ns)) await ip('netns', 'del', name).catch(() => undefined);
  };
  try {
    for (const name of Object.values(ns)) await ip('netns', 'add', name);
    await ip('-n', ns.host, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', ns.host, 'addr', 'add', `${HOST_LAN_ADDRESS}/24`, 'dev', 'br0');
    await ip('-n', ns.host, 'addr', 'add', `${HOST_OUTSIDE_ADDRESS}/24`, 'dev', 'br0');
    await ip('-n', ns.host, 'link', 'set', 'br0', 'up');
    await ip('-n', ns.host, 'link', 'set', 'lo', 'up');
    for (const peer of Object.keys(PEERS) as Peer[]) {
      const port = `v-${peer.slice(0, 3)}`;
      await ip('-n', ns.host, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns[peer]);
      await ip('-n', ns.host, 'link', 'set', port, 'master', 'br0', 'up');
      await ip('-n', ns[peer], 'addr', 'add', `${PEERS[peer]}/24`, 'dev', 'eth0');
      await ip('-n', ns[peer], 'link', 'set', 'eth0', 'up');
      await ip('-n', ns[peer], 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  const hostAddressFor = (peer: Peer) => (peer === 'outside' ? HOST_OUTSIDE_ADDRESS : HOST_LAN_ADDRESS);
  return {
    ns,
    exec,
    async canConnect(peer, port, timeoutMs = 1000) {
      // bash's /dev/tcp: a SYN the firewall drops hangs until `timeout` ends it.
      const script = `exec 3<>/dev/tcp/${hostAddressFor(peer)}/${port}`;
      try {
        await run('ip', ['netns', 'exec', ns[peer], 'timeout', `${timeoutMs / 1000}`, 'bash', '-c', script]);
        return true;
      } catch {
        return false;
      }
    },
    async listen(ports) {
      const code = `const net=require('node:net');let n=0;for(const p of ${JSON.stringify(ports)}){net.createServer(s=>s.end()).listen(p,'0.0.0.0',()=>{if(++n===${ports.length})console.log('ready')})}`;
      const child = spawn('ip', ['netns', 'exec', ns.host, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', (c) => reject(new Error(`listener exited with ${c}`)));
      });
    },
    destroy,
  };
}
