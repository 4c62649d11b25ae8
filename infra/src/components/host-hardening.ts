/**
 * One machine's hardened-host layer (seed 002, "Couche 1" and "Couche 7"): the nftables
 * ruleset applied commit-confirm style, the Fail2Ban SSH jail, the sysctl file and the audit
 * rules, each rendered by @booxstream/gateway and installed over SSH by a command whose
 * script is built in `host/apply-scripts.ts`. Every command restores the machine's previous
 * state on destroy.
 */
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import {
  HARDENING_SYSCTLS,
  renderAuditRules,
  renderFail2banJail,
  renderNftables,
  renderSysctl,
  type HostHardening as HostPlan,
} from '@booxstream/gateway';
import { sha256 } from '../digest.js';
import {
  fileApplyScript,
  fileDestroyScript,
  HARDENING_STATE_DIR,
  nftApplyScript,
  nftConfirmScript,
  nftDestroyScript,
  type FileScriptOptions,
} from '../host/apply-scripts.js';

export interface HostHardeningArgs {
  /** SSH connection (host key pinned, key secret). Each command dials its own connection. */
  connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  plan: HostPlan;
  /** Seconds an unconfirmed ruleset stays before it is rolled back. [rollbackSeconds=60] */
  rollbackSeconds?: number;
}

export class HostHardening extends pulumi.ComponentResource {
  /** Installed file → sha256, for the stack outputs. */
  readonly fileHashes: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: HostHardeningArgs, opts?: pulumi.ComponentResourceOptions) {
    super('booxstream:host:HostHardening', name, {}, opts);
    const plan = args.plan;
    const nft = renderNftables(plan);
    const nftOptions = { name: plan.name, table: nft.table, rollbackSeconds: args.rollbackSeconds ?? 60 };
    const applyScript = nftApplyScript(nftOptions);
    const firewall = new command.remote.Command(
      `${name}-nftables`,
      // `update` = `create`: a new ruleset is applied over the old one, never by deleting it first.
      { connection: args.connection, create: applyScript, update: applyScript, stdin: nft.text, delete: nftDestroyScript(nftOptions) },
      { parent: this },
    );
    const confirmScript = nftConfirmScript(nftOptions, sha256(nft.text));
    new command.remote.Command(
      `${name}-nftables-confirm`,
      { connection: args.connection, create: confirmScript, update: confirmScript },
      { parent: this, dependsOn: [firewall] },
    );

    const installed: Record<string, string> = { [`${HARDENING_STATE_DIR}/${nft.fileName}`]: sha256(nft.text) };
    const file = (suffix: string, text: string, o: FileScriptOptions, after: pulumi.Resource[] = []) => {
      installed[o.path] = sha256(text);
      const apply = fileApplyScript(o);
      return new command.remote.Command(
        `${name}-${suffix}`,
        { connection: args.connection, create: apply, update: apply, stdin: text, delete: fileDestroyScript(o) },
        { parent: this, dependsOn: after },
      );
    };

    // Fail2Ban's nftables action adds its own table, so it comes after the firewall.
    const jail = renderFail2banJail(plan);
    file(
      'fail2ban',
      jail.text,
      { path: `/etc/fail2ban/jail.d/${jail.fileName}`, check: 'fail2ban-client -t > /dev/null', activate: 'systemctl reload-or-restart fail2ban' },
      [firewall],
    );

    const sysctl = renderSysctl(plan.name);
    const keys = Object.keys(HARDENING_SYSCTLS).join(' ');
    file('sysctl', sysctl.text, {
      path: `/etc/sysctl.d/${sysctl.fileName}`,
      check: 'sysctl -q -p "$f"',
      activate: 'sysctl -q -p "$f"',
      // The values before the first apply: a removed sysctl.d file would otherwise leave ours until reboot.
      rememberOnce: `sysctl -e ${keys} > "$d/$k.values-before"`,
      restoreOnDestroy: `sysctl -q -p "$d/$k.values-before" || true; rm -f "$d/$k.values-before"`,
    });

    const audit = renderAuditRules(plan);
    file('audit', audit.text, { path: `/etc/audit/rules.d/${audit.fileName}`, check: 'true', activate: 'augenrules --load' });

    this.fileHashes = pulumi.output(installed);
    this.registerOutputs({ fileHashes: this.fileHashes });
  }
}
