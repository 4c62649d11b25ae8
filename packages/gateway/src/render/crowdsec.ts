/**
 * CrowdSec's side of the intrusion-detection layer, as files under its config directory:
 *
 *   acquis.d/booxstream.yaml           Traefik's JSON access log (file) and the relay's log (syslog,
 *                                      sent by the relay container's Docker log driver)
 *   parsers/s00-raw/booxstream-traefik-raw.yaml   a raw JSON line → program + message
 *   parsers/s01-parse/booxstream-traefik-json.yaml  the access log, visitor = Cf-Connecting-Ip
 *                                      only when the peer is cloudflared
 *   parsers/s01-parse/booxstream-relay-json.yaml    the relay's pino lines
 *   scenarios/booxstream-relay-*.yaml  device-token failures, registration floods
 *   profiles.yaml                      bans that grow with each offence (5m → … → 1h)
 *
 * plus the hub items to enable (HTTP scenarios and the stock enrichers). Pure: the same model
 * gives the same bytes, and no secret is involved (the bouncer's key is a Pulumi secret
 * registered with `cscli bouncers add` at deploy time).
 */
import yaml from 'js-yaml';
import type { IdsLayer } from '../model/ids.js';
import { CLIENT_IP_HEADER } from './traefik.js';

/** The acquisition label types, which become `evt.Parsed.program`. */
export const CROWDSEC_PROGRAMS = Object.freeze({ traefik: 'booxstream-traefik', relay: 'booxstream' });
/** UDP port CrowdSec's syslog acquisition listens on for the relay's log. */
export const RELAY_SYSLOG_PORT = 4242;

/** Stock hub items this layer relies on (offline: symlinked from the hub, never downloaded by the tests). */
export const CROWDSEC_HUB_ITEMS = Object.freeze({
  parsers: ['s00-raw/crowdsecurity/syslog-logs', 's02-enrich/crowdsecurity/dateparse-enrich', 's02-enrich/crowdsecurity/http-logs', 's02-enrich/crowdsecurity/whitelists'],
  scenarios: [
    'crowdsecurity/http-probing',
    'crowdsecurity/http-sensitive-files',
    'crowdsecurity/http-path-traversal-probing',
    'crowdsecurity/http-bad-user-agent',
    'crowdsecurity/http-crawl-non_statics',
  ],
});

/** Relay log messages the scenarios read (apps/server's pino `msg` values). */
export const RELAY_LOG_MESSAGES = Object.freeze({ authRefused: 'device auth refused', registered: 'device registered' });

/** Device auth failures that count towards a ban: `pending` (waiting for approval) and `timeout` are what honest tablets do. */
export const BANNABLE_DEVICE_AUTH_REASONS = Object.freeze(['unknown', 'replaced', 'revoked', 'protocol']);

export interface CrowdsecFile {
  /** Path relative to CrowdSec's config directory (`/etc/crowdsec`). */
  readonly path: string;
  readonly text: string;
}

export interface RenderedCrowdsec {
  readonly files: readonly CrowdsecFile[];
  readonly hubItems: typeof CROWDSEC_HUB_ITEMS;
}

const dump = (doc: unknown): string => yaml.dump(doc, { lineWidth: -1, noRefs: true, sortKeys: false, quotingType: '"' });
const header = (what: string) => `# ${what}: rendered by @booxstream/gateway from the gateway model's ids: section.\n`;
const json = (field: string) => `JsonExtract(evt.Parsed.message, '${field}')`;

export interface CrowdsecRenderOptions {
  /** Where the syslog acquisition listens for the relay's log. [relaySyslog={address: '0.0.0.0', port: RELAY_SYSLOG_PORT}] */
  readonly relaySyslog?: { readonly address: string; readonly port: number };
}

export function renderCrowdsec(ids: IdsLayer, options: CrowdsecRenderOptions = {}): RenderedCrowdsec {
  const syslog = options.relaySyslog ?? { address: '0.0.0.0', port: RELAY_SYSLOG_PORT };
  const files: CrowdsecFile[] = [
    {
      path: 'acquis.d/booxstream.yaml',
      text:
        header('acquisition') +
        [
          dump({ source: 'file', filenames: [ids.accessLogPath], labels: { type: CROWDSEC_PROGRAMS.traefik } }),
          dump({ source: 'syslog', listen_addr: syslog.address, listen_port: syslog.port, labels: { type: 'syslog' } }),
        ].join('---\n'),
    },
    { path: 'parsers/s00-raw/booxstream-traefik-raw.yaml', text: header('parser') + dump(rawParser()) },
    { path: 'parsers/s01-parse/booxstream-traefik-json.yaml', text: header('parser') + dump(traefikParser(ids)) },
    { path: 'parsers/s01-parse/booxstream-relay-json.yaml', text: header('parser') + dump(relayParser()) },
    { path: 'scenarios/booxstream-relay-device-auth-bf.yaml', text: header('scenario') + dump(tokenScenario()) },
    { path: 'scenarios/booxstream-relay-registration-flood.yaml', text: header('scenario') + dump(registrationScenario()) },
    { path: 'profiles.yaml', text: header('profiles') + dump(escalatingProfile(ids)) },
  ];
  return { files, hubItems: CROWDSEC_HUB_ITEMS };
}

/** Traefik writes bare JSON lines (no syslog envelope): hand the line on as the message. */
function rawParser() {
  return {
    name: 'booxstream/traefik-raw',
    description: "Traefik's JSON access log lines, as Traefik writes them to its file",
    filter: `evt.Line.Labels.type == '${CROWDSEC_PROGRAMS.traefik}'`,
    onsuccess: 'next_stage',
    statics: [
      { parsed: 'message', expression: 'evt.Line.Raw' },
      { parsed: 'program', expression: 'evt.Line.Labels.type' },
    ],
  };
}

/**
 * The access log, with the visitor's address decided the same way the bouncer decides it:
 * `Cf-Connecting-Ip` when the TCP peer is cloudflared, the peer itself otherwise (a LAN
 * client sending the header gets no say in who is banned).
 */
function traefikParser(ids: IdsLayer) {
  const peer = json('ClientHost');
  const header = json(`request_${CLIENT_IP_HEADER}`);
  const fromCloudflared = ids.cloudflaredAddresses.map((a) => `IpInRange(${peer}, '${a.includes('/') ? a : `${a}/${a.includes(':') ? 128 : 32}`}')`).join(' || ');
  return {
    name: 'booxstream/traefik-access-json',
    description: `Traefik's JSON access log; the visitor is ${CLIENT_IP_HEADER} only when cloudflared sent the request`,
    filter: `evt.Parsed.program == '${CROWDSEC_PROGRAMS.traefik}' && ${peer} != ''`,
    onsuccess: 'next_stage',
    statics: [
      { parsed: 'remote_addr', expression: `(${fromCloudflared}) && ${header} != '' ? ${header} : ${peer}` },
      { parsed: 'verb', expression: json('RequestMethod') },
      { parsed: 'request', expression: json('RequestPath') },
      { parsed: 'status', expression: json('DownstreamStatus') },
      { parsed: 'http_user_agent', expression: json('request_User-Agent') },
      { parsed: 'target_fqdn', expression: json('RequestHost') },
      { parsed: 'traefik_router_name', expression: json('RouterName') },
      { meta: 'service', value: 'http' },
      { meta: 'log_type', value: 'http_access-log' },
      { meta: 'source_ip', expression: 'evt.Parsed.remote_addr' },
      { meta: 'http_status', expression: 'evt.Parsed.status' },
      { meta: 'http_path', expression: 'evt.Parsed.request' },
      { meta: 'http_verb', expression: 'evt.Parsed.verb' },
      { meta: 'traefik_router_name', expression: 'evt.Parsed.traefik_router_name' },
      { target: 'evt.StrTime', expression: json('time') },
    ],
  };
}

/** The relay's pino lines (`svc: booxstream-server`); the address field is the client, resolved by the relay's trusted-proxy rules. */
function relayParser() {
  const msg = json('msg');
  return {
    name: 'booxstream/relay-json',
    description: "The BooxStream relay's JSON log lines, received over syslog",
    filter: `evt.Parsed.program == '${CROWDSEC_PROGRAMS.relay}' && ${json('svc')} == 'booxstream-server'`,
    onsuccess: 'next_stage',
    statics: [
      { meta: 'service', value: 'booxstream' },
      {
        meta: 'log_type',
        expression: `${msg} == '${RELAY_LOG_MESSAGES.authRefused}' ? 'booxstream_device_auth_refused' : (${msg} == '${RELAY_LOG_MESSAGES.registered}' ? 'booxstream_device_registered' : 'booxstream_other')`,
      },
      { meta: 'source_ip', expression: json('address') },
      { meta: 'device', expression: json('device') },
      { meta: 'reason', expression: json('reason') },
    ],
  };
}

/** Guessing or replaying device credentials: 5 refused handshakes from one address in quick succession. */
function tokenScenario() {
  return {
    type: 'leaky',
    name: 'booxstream/relay-device-auth-bf',
    description: 'Repeated device authentication failures on the BooxStream relay from one address',
    filter: `evt.Meta.log_type == 'booxstream_device_auth_refused' && evt.Meta.reason in ${JSON.stringify(BANNABLE_DEVICE_AUTH_REASONS).replace(/"/g, "'")}`,
    groupby: 'evt.Meta.source_ip',
    capacity: 4,
    leakspeed: '30s',
    blackhole: '1m',
    labels: { service: 'booxstream', type: 'bruteforce', remediation: true },
  };
}

/** Registration floods: 6 different devices registering from one address within minutes (a home has a few tablets). */
function registrationScenario() {
  return {
    type: 'leaky',
    name: 'booxstream/relay-registration-flood',
    description: 'Many distinct devices registering with the BooxStream relay from one address',
    filter: "evt.Meta.log_type == 'booxstream_device_registered'",
    groupby: 'evt.Meta.source_ip',
    distinct: 'evt.Meta.device',
    capacity: 5,
    leakspeed: '2m',
    blackhole: '1m',
    labels: { service: 'booxstream', type: 'flood', remediation: true },
  };
}

/**
 * One profile for every IP alert: the ban's length is picked by how many decisions the address
 * already has (CrowdSec keeps expired ones until its flush), so a repeat offender waits longer.
 */
function escalatingProfile(ids: IdsLayer) {
  const count = 'GetDecisionsCount(Alert.GetValue())';
  const durations = ids.banDurations;
  // count 0 → first, 1 → second, …; the last covers every later offence.
  let expr = `'${durations[durations.length - 1]}'`;
  for (let i = durations.length - 2; i >= 0; i--) expr = `${count} == ${i} ? '${durations[i]}' : (${expr})`;
  return {
    name: 'booxstream_escalating_ban',
    filters: ["Alert.Remediation == true && Alert.GetScope() == 'Ip'"],
    decisions: [{ type: 'ban', duration: durations[0] }],
    duration_expr: expr,
    on_success: 'break',
  };
}
