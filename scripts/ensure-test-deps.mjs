#!/usr/bin/env node
// Runs before `pnpm test`: the browser tests need Debian's Chromium, the gateway
// verification tests a real nginx, infra's config tests ssh-keygen. On a fresh Debian
// machine as root this installs them (once); anywhere else it says what is missing.
// Then it builds the relay's jpeg-delta addon, which `pnpm install` skips (with a
// warning) when the compiler or libjpeg-turbo's headers were not there yet.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

const needed = [
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { pkg: 'nginx', present: () => existsSync('/usr/sbin/nginx') },
  { pkg: 'fonts-dejavu-core', present: () => existsSync('/usr/share/fonts/truetype/dejavu') },
  // infra's config tests check SSH keys with ssh-keygen.
  { pkg: 'openssh-client', present: () => existsSync('/usr/bin/ssh-keygen') },
  // The gateway package's database test runs a real MariaDB, dumps it and restores it through restic.
  { pkg: 'mariadb-server', present: () => existsSync('/usr/sbin/mariadbd') },
  { pkg: 'mariadb-client', present: () => existsSync('/usr/bin/mariadb-dump') },
  { pkg: 'restic', present: () => existsSync('/usr/bin/restic') },
  { pkg: 'prometheus-mysqld-exporter', present: () => existsSync('/usr/bin/prometheus-mysqld-exporter') },
  { pkg: 'curl', present: () => existsSync('/usr/bin/curl') },
  { pkg: 'iproute2', present: () => existsSync('/usr/sbin/ip') || existsSync('/bin/ip') },
  // Monitoring and backups: promtool/prometheus, the node exporter, systemd-analyze (restic above).
  { pkg: 'prometheus', present: () => existsSync('/usr/bin/promtool') },
  { pkg: 'prometheus-node-exporter', present: () => existsSync('/usr/bin/prometheus-node-exporter') },
  { pkg: 'systemd', present: () => existsSync('/usr/bin/systemd-analyze') },
  // The hardened-host and intrusion-detection tests (packages/gateway/test/host, …/crowdsec):
  // network namespaces, the firewall, the SSH jail, audit rule parsing, CrowdSec offline, TOTP.
  { pkg: 'nftables', present: () => existsSync('/usr/sbin/nft') },
  { pkg: 'fail2ban', present: () => existsSync('/usr/bin/fail2ban-server') },
  { pkg: 'auditd', present: () => existsSync('/usr/sbin/auditctl') },
  { pkg: 'crowdsec', present: () => existsSync('/usr/bin/crowdsec') },
  { pkg: 'oathtool', present: () => existsSync('/usr/bin/oathtool') },
  // The relay's jpeg-delta addon (packages/jpeg-delta) is compiled against libjpeg-turbo.
  { pkg: 'gcc', present: () => existsSync('/usr/bin/cc') },
  { pkg: 'libc6-dev', present: () => existsSync('/usr/include/stdio.h') },
  { pkg: 'libjpeg62-turbo-dev', present: () => existsSync('/usr/include/jpeglib.h') },
];
const missing = needed.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length > 0) install(missing);
// Fails (exit 1) rather than let the relay tests quietly take the sharp path.
execFileSync(process.execPath, [new URL('../packages/jpeg-delta/build.mjs', import.meta.url).pathname, '--required'], { stdio: 'inherit' });

function install(missing) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    console.error(
      `The test suite needs these Debian packages: ${missing.join(' ')}.\n` +
        `Install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  console.log(`Installing test dependencies from Debian: ${missing.join(' ')}`);
  // CrowdSec's post-install registers with the central API unless this file exists; offline
  // (CI, the tests) that registration fails the install. A comment line is enough.
  if (missing.includes('crowdsec') && !existsSync('/etc/crowdsec/online_api_credentials.yaml')) {
    mkdirSync('/etc/crowdsec', { recursive: true });
    writeFileSync('/etc/crowdsec/online_api_credentials.yaml', '# no central API: BooxStream runs CrowdSec offline\n');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}
