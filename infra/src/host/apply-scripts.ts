/**
 * The shell scripts that put a machine's hardened-host files in place over SSH. Pure: each
 * returns the text a `command.remote.Command` runs (the rendered file arrives on stdin), so the
 * tests run the very same scripts in network namespaces.
 *
 * The firewall is applied commit-confirm style, because a ruleset that locks SSH out cannot
 * be fixed over SSH:
 *   apply    checks the file (`nft -c`), keeps what runs now, loads the new table in one
 *            transaction, and arms a rollback that reloads the previous table after N seconds;
 *   confirm  runs over a *new* SSH connection: reaching the host at all proves SSH still
 *            answers, so it disarms the rollback and makes the ruleset the one loaded at boot.
 * If the new ruleset blocks SSH, confirm cannot connect, `pulumi up` fails, and the host is
 * back on its previous ruleset when the timer fires.
 * destroy  puts back what was there before the first apply (usually: no table of ours).
 */

/** Where the scripts keep their state on the host. */
export const HARDENING_STATE_DIR = '/var/lib/booxstream-hardening';

const SAFE = /^[A-Za-z0-9._/ -]+$/;
function q(value: string): string {
  if (!SAFE.test(value)) throw new Error(`unsafe value for a shell script: ${JSON.stringify(value)}`);
  return `'${value}'`;
}

export interface NftScriptOptions {
  /** Machine name (files are `<name>.nft*`). */
  readonly name: string;
  /** `inet <table>`: the only table these scripts touch. */
  readonly table: string;
  /** [stateDir=HARDENING_STATE_DIR] */
  readonly stateDir?: string;
  /** Seconds before an unconfirmed ruleset is rolled back. [rollbackSeconds=60] */
  readonly rollbackSeconds?: number;
  /** Install a systemd unit that loads the confirmed ruleset at boot. [persist=true] */
  readonly persist?: boolean;
}

function nftVars(o: NftScriptOptions): string {
  return [`d=${q(o.stateDir ?? HARDENING_STATE_DIR)}`, `n=${q(o.name)}`, `t=${q(o.table)}`, `unit=${q(`booxstream-firewall-${o.name}.service`)}`].join('; ');
}

/** Stops a pending rollback (its whole process group). */
const DISARM = `if [ -e "$d/$n.nft.rollback.pid" ]; then kill -TERM "-$(cat "$d/$n.nft.rollback.pid")" 2>/dev/null || true; rm -f "$d/$n.nft.rollback.pid"; fi`;

export function nftApplyScript(o: NftScriptOptions): string {
  const seconds = o.rollbackSeconds ?? 60;
  return [
    'set -eu',
    'umask 077',
    nftVars(o),
    'mkdir -p "$d"',
    DISARM,
    'cat > "$d/$n.nft.new"',
    // Refused before anything changes.
    'nft -c -f "$d/$n.nft.new"',
    // What was there before our first apply, for destroy (empty: no such table).
    'if [ ! -e "$d/$n.nft.original" ]; then nft list table $t > "$d/$n.nft.original" 2>/dev/null || : > "$d/$n.nft.original"; fi',
    // What runs now, for the rollback.
    '{ echo "table $t {}"; echo "delete table $t"; nft list table $t 2>/dev/null || true; } > "$d/$n.nft.rollback"',
    'rm -f "$d/$n.nft.status"',
    'nft -f "$d/$n.nft.new"',
    `setsid sh -c "sleep ${seconds}; nft -f '$d/$n.nft.rollback' && echo rolled-back > '$d/$n.nft.status'" > /dev/null 2>&1 < /dev/null &`,
    'echo $! > "$d/$n.nft.rollback.pid"',
    `echo "applied $t; rolls back in ${seconds} s unless confirmed"`,
    '',
  ].join('\n');
}

export function nftConfirmScript(o: NftScriptOptions, rulesetDigest: string): string {
  const persist = o.persist ?? true;
  return [
    'set -eu',
    `# ruleset sha256 ${rulesetDigest}: a new ruleset changes this script, so it runs again.`,
    nftVars(o),
    DISARM,
    'if [ "$(cat "$d/$n.nft.status" 2>/dev/null || true)" = rolled-back ]; then echo "the new ruleset was rolled back before this confirmation: SSH did not answer in time" >&2; exit 1; fi',
    'mv "$d/$n.nft.new" "$d/$n.nft"',
    ...(persist
      ? [
          'printf "[Unit]\\nDescription=BooxStream host firewall (%s)\\nBefore=network-pre.target\\nWants=network-pre.target\\n\\n[Service]\\nType=oneshot\\nRemainAfterExit=yes\\nExecStart=/usr/sbin/nft -f %s\\n\\n[Install]\\nWantedBy=multi-user.target\\n" "$n" "$d/$n.nft" > "/etc/systemd/system/$unit"',
          'systemctl daemon-reload',
          'systemctl enable "$unit"',
        ]
      : []),
    'echo "confirmed $t"',
    '',
  ].join('\n');
}

export function nftDestroyScript(o: NftScriptOptions): string {
  const persist = o.persist ?? true;
  return [
    'set -eu',
    nftVars(o),
    DISARM,
    'if [ -s "$d/$n.nft.original" ]; then { echo "table $t {}"; echo "delete table $t"; cat "$d/$n.nft.original"; } | nft -f -; else nft delete table $t 2>/dev/null || true; fi',
    ...(persist ? ['if [ -e "/etc/systemd/system/$unit" ]; then systemctl disable "$unit" || true; rm -f "/etc/systemd/system/$unit"; systemctl daemon-reload; fi'] : []),
    'rm -f "$d/$n.nft" "$d/$n.nft.new" "$d/$n.nft.rollback" "$d/$n.nft.status" "$d/$n.nft.original"',
    '',
  ].join('\n');
}

export interface FileScriptOptions {
  /** Absolute path the file goes to. */
  readonly path: string;
  /** Checks the new file in place; non-zero puts the previous one back. */
  readonly check: string;
  /** Makes the running service use the file. */
  readonly activate: string;
  /** [stateDir=HARDENING_STATE_DIR] */
  readonly stateDir?: string;
  /** Runs once, before the first install: records machine state the file changes (e.g. sysctl values). */
  readonly rememberOnce?: string;
  /** Runs on destroy, after the file is gone: puts that state back. */
  readonly restoreOnDestroy?: string;
}

/**
 * Installs one configuration file (stdin): the previous content is kept, the file is checked
 * and activated, and on any failure the previous file comes back. The state before the first
 * apply is remembered for destroy.
 */
export function fileApplyScript(o: FileScriptOptions): string {
  return [
    'set -eu',
    `f=${q(o.path)}; d=${q(o.stateDir ?? HARDENING_STATE_DIR)}; k="$(echo "$f" | tr / _)"`,
    'mkdir -p "$d" "$(dirname "$f")"',
    `if [ ! -e "$d/$k.original" ] && [ ! -e "$d/$k.absent" ]; then ${o.rememberOnce ? `${o.rememberOnce}; ` : ''}if [ -e "$f" ]; then cp -p "$f" "$d/$k.original"; else : > "$d/$k.absent"; fi; fi`,
    'if [ -e "$f" ]; then cp -p "$f" "$d/$k.previous"; else rm -f "$d/$k.previous"; fi',
    'cat > "$f.booxstream-new" && mv "$f.booxstream-new" "$f"',
    `restore() { if [ -e "$d/$k.previous" ]; then cp -p "$d/$k.previous" "$f"; else rm -f "$f"; fi; ${o.activate} || true; }`,
    `if ! { ${o.check}; }; then echo "refused by the check: $f" >&2; restore; exit 1; fi`,
    `if ! { ${o.activate}; }; then echo "could not activate $f" >&2; restore; exit 1; fi`,
    '',
  ].join('\n');
}

/** Puts back the file as it was before the first apply (or removes it) and re-activates. */
export function fileDestroyScript(o: FileScriptOptions): string {
  return [
    'set -eu',
    `f=${q(o.path)}; d=${q(o.stateDir ?? HARDENING_STATE_DIR)}; k="$(echo "$f" | tr / _)"`,
    'if [ -e "$d/$k.original" ]; then cp -p "$d/$k.original" "$f"; else rm -f "$f"; fi',
    `${o.activate} || true`,
    ...(o.restoreOnDestroy ? [o.restoreOnDestroy] : []),
    'rm -f "$d/$k.original" "$d/$k.absent" "$d/$k.previous"',
    '',
  ].join('\n');
}
