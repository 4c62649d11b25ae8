#!/usr/bin/env node
// Runs before `pnpm test`: the browser tests need Debian's Chromium, the gateway
// verification tests a real nginx, infra's config tests ssh-keygen. On a fresh Debian
// machine as root this installs them (once); anywhere else it says what is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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
];
const missing = needed.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

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
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
