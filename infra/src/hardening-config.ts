/**
 * The optional `booxstream:hardening` stack key: turns on the hardened-host layer for the app
 * VM and the gateway. Opt-in because it replaces what may reach those machines: with it, only
 * the LAN reaches SSH, only the gateway reaches the server's HTTP port, and so on (see
 * `appVmHardening` / `gatewayHostHardening` in @booxstream/gateway). Everything else the plans
 * need is already in the stack config, so it is derived, not asked again.
 */
import {
  appVmHardening,
  BadInputError,
  gatewayHostHardening,
  isAddressOrCidr,
  type HostHardening,
} from '@booxstream/gateway';

export interface HardeningConfig {
  /** The LAN's CIDRs: SSH (and so `pulumi up` itself) and the tablets must come from here. */
  readonly lan: readonly string[];
  /** Seconds before an unconfirmed firewall is rolled back. [rollbackSeconds=60] */
  readonly rollbackSeconds: number;
  readonly vm: HostHardening;
  readonly gatewayHost: HostHardening;
}

export interface HardeningFacts {
  readonly gatewayAddress: string;
  readonly gatewaySshPort: number;
  readonly vmSshPort: number;
  readonly serverHttpPort: number;
  readonly devicePort: number;
  readonly dataVolume: string;
  readonly traefikConfigDir: string;
  /** Ports the deployed apps publish on the VM (BookStack, its database's exporter): gateway only. */
  readonly deployedPorts: readonly { readonly name: string; readonly port: number }[];
}

/** Where the gateway's CrowdSec files live (audited on the gateway). */
export const CROWDSEC_HOST_DIR = '/opt/crowdsec';

/**
 * Checks the key's own fields; builds the plans only when `facts` are valid (`factsValid`), so a
 * bad address elsewhere is reported once, at its own key.
 */
export function parseHardening(
  value: unknown,
  facts: HardeningFacts,
  factsValid: boolean,
  issue: (key: string, message: string) => void,
): HardeningConfig | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issue('hardening', 'must be an object: { lan: [CIDR…], rollbackSeconds? }');
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  let ok = true;
  for (const k of Object.keys(obj)) {
    if (k !== 'lan' && k !== 'rollbackSeconds') {
      issue(`hardening.${k}`, 'unknown field (known: lan, rollbackSeconds)');
      ok = false;
    }
  }
  const lan = obj['lan'];
  if (!Array.isArray(lan) || lan.length === 0) {
    issue('hardening.lan', "required: the LAN's CIDRs, e.g. [\"192.168.1.0/24\"] (SSH and the tablets come from there)");
    ok = false;
  } else {
    lan.forEach((c, i) => {
      if (typeof c !== 'string' || !isAddressOrCidr(c)) {
        issue(`hardening.lan[${i}]`, `must be a CIDR or address, got ${JSON.stringify(c)}`);
        ok = false;
      }
    });
  }
  const rollback = obj['rollbackSeconds'] ?? 60;
  if (typeof rollback !== 'number' || !Number.isInteger(rollback) || rollback < 10 || rollback > 600) {
    issue('hardening.rollbackSeconds', `must be an integer from 10 to 600, got ${JSON.stringify(rollback)}`);
    ok = false;
  }
  if (!ok || !factsValid) return undefined;
  try {
    const cidrs = lan as string[];
    return {
      lan: cidrs,
      rollbackSeconds: rollback as number,
      vm: appVmHardening({
        lan: cidrs,
        gatewayAddress: facts.gatewayAddress,
        sshPort: facts.vmSshPort,
        serverPort: facts.serverHttpPort,
        devicePort: facts.devicePort,
        dataDir: `/var/lib/docker/volumes/${facts.dataVolume}/_data`,
        configDir: '/etc/booxstream',
        otherGatewayPorts: facts.deployedPorts,
      }),
      gatewayHost: gatewayHostHardening({ lan: cidrs, sshPort: facts.gatewaySshPort, traefikConfigDir: facts.traefikConfigDir, crowdsecConfigDir: CROWDSEC_HOST_DIR }),
    };
  } catch (error) {
    if (!(error instanceof BadInputError)) throw error;
    issue('hardening', error.message);
    return undefined;
  }
}
