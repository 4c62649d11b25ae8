import { describe, expect, it } from 'vitest';
import {
  absolutePathProblem,
  bypassPathProblem,
  durationMs,
  durationProblem,
  fqdnProblem,
  originUrlProblem,
  regexProblem,
  routeHostnameProblem,
  stripSlash,
  tunnelServiceProblem,
} from './rules.js';

describe('gateway value rules', () => {
  it('fqdnProblem: length, trailing dot, labels, numeric TLD, wildcard only where allowed', () => {
    const label63 = 'a'.repeat(63);
    expect(fqdnProblem(`${label63}.${label63}.${label63}.${'a'.repeat(61)}`)).toBeUndefined();
    expect(fqdnProblem(`${label63}.${label63}.${label63}.${'a'.repeat(62)}`)).toBe('is longer than 253 characters');
    expect(fqdnProblem(`${'a'.repeat(64)}.dev`)).toContain("invalid label 'aaaa");
    expect(fqdnProblem(`${label63}.dev`)).toBeUndefined();
    expect(fqdnProblem('kevinvdb.dev.')).toBe('must not end with a dot');
    expect(fqdnProblem('a..dev')).toContain("invalid label ''");
    expect(fqdnProblem('a-.dev')).toContain("invalid label 'a-'");
    expect(fqdnProblem('a.b-c.dev')).toBeUndefined();
    expect(fqdnProblem('a.dev1')).toBeUndefined();
    expect(fqdnProblem('10.0.0.1')).toBe('must not end in a numeric label (that is an IP address)');
    expect(fqdnProblem('host:80')).toContain('must not contain a port');
    expect(fqdnProblem('*.a.dev', false)).toContain("invalid label '*'");
    expect(fqdnProblem('*.dev', true)).toContain('at least two labels');
    expect(routeHostnameProblem('*.kevinvdb.dev')).toBeUndefined();
    expect(routeHostnameProblem('a*.kevinvdb.dev')).toBe('may only use a leading wildcard such as *.example.com');
    expect(routeHostnameProblem('localhost')).toContain('at least two labels');
    expect(routeHostnameProblem('a.*.')).toBe('may only use a leading wildcard such as *.example.com');
    expect(routeHostnameProblem('auth.kevinvdb.dev')).toBeUndefined();
    expect(fqdnProblem('a.1a')).toBeUndefined();
  });

  it('originUrlProblem: scheme, host, port bounds, path, query', () => {
    expect(originUrlProblem('http://h:1')).toBeUndefined();
    expect(originUrlProblem('https://h:65535/')).toBeUndefined();
    expect(originUrlProblem('HTTP://h')).toContain("not 'HTTP'");
    expect(originUrlProblem('http://h:65536')).toBe("has a port out of range 1-65535 ('65536')");
    expect(originUrlProblem('http://:80')).toBe('must name a host');
    expect(originUrlProblem('http://[fd00::1')).toBe('must name a host');
    expect(originUrlProblem('http://h#x')).toBe('must not have a query or fragment');
    expect(originUrlProblem('h:80')).toBe('must be an absolute URL such as http://host:port');
    expect(originUrlProblem('http://h/a/')).toContain("must not have a path ('/a/')");
    expect(originUrlProblem(' http://h')).toBe('must be an absolute URL such as http://host:port');
    expect(originUrlProblem('http://h:80x')).toBe('must name a host');
  });

  it('durations: units add up, zero and garbage refused', () => {
    expect(durationMs('1h2m3s4ms')).toBe(3_723_004);
    expect(durationMs('1.5s')).toBe(1500);
    expect(durationMs('500us') + durationMs('500µs') + durationMs('1000000ns')).toBe(2);
    expect(durationProblem('30s')).toBeUndefined();
    expect(durationProblem('0s')).toBe("must be a positive Go duration such as '30s' or '1m', got \"0s\"");
    expect(durationProblem('30 s')).toContain('Go duration');
    expect(durationProblem('s')).toContain('Go duration');
    expect(durationProblem('5d')).toContain('Go duration');
    expect(durationProblem('x30s')).toContain('Go duration');
    expect(durationProblem('30s!')).toContain('Go duration');
    expect(durationProblem('1m30s')).toBeUndefined();
    expect(durationProblem('1.25s')).toBeUndefined();
    expect(durationMs('1.25s')).toBe(1250);
  });

  it('tunnel services: origins or http_status:100-999', () => {
    expect(tunnelServiceProblem('http_status:100')).toBeUndefined();
    expect(tunnelServiceProblem('http_status:999')).toBeUndefined();
    expect(tunnelServiceProblem('http_status:99')).toBe('invalid HTTP status code: 99');
    expect(tunnelServiceProblem('http_status:1000')).toBe('invalid HTTP status code: 1000');
    expect(tunnelServiceProblem('http://traefik:80')).toBeUndefined();
    expect(tunnelServiceProblem('xhttp_status:404')).toContain('absolute URL');
    expect(tunnelServiceProblem('http_status:404x')).toContain('absolute URL');
    expect(tunnelServiceProblem('tcp://x:22')).toBe("must use http or https, not 'tcp' (or use http_status:NNN)");
  });

  it('bypass paths: exact, under the app, outside the outpost prefix', () => {
    expect(bypassPathProblem('/api/x')).toBeUndefined();
    expect(bypassPathProblem('/outpost.goauthentik.io')).toContain('outpost router');
    expect(bypassPathProblem('/outpost.goauthentik.iox')).toContain('outpost router');
    expect(bypassPathProblem('/outpost')).toBeUndefined();
    expect(bypassPathProblem('/a b')).toContain('exact path');
    expect(bypassPathProblem('/a?b=1')).toContain('exact path');
  });

  it('absolute paths on the gateway: safe characters, no ..', () => {
    expect(absolutePathProblem('/opt/traefik/config')).toBeUndefined();
    expect(absolutePathProblem('/')).toBeUndefined();
    expect(absolutePathProblem('opt')).toBe('must be an absolute path');
    expect(absolutePathProblem('/opt/$(id)')).toBe('must be an absolute path of letters, digits, . _ - /');
    expect(absolutePathProblem('/opt/..')).toBe("must not contain '..'");
    expect(absolutePathProblem('/opt/..x')).toBeUndefined();
  });

  it('regexProblem and stripSlash', () => {
    expect(regexProblem('^/api/.*$')).toBeUndefined();
    expect(regexProblem('(')).toBe('must be a valid regular expression');
    expect(stripSlash('http://x/')).toBe('http://x');
    expect(stripSlash('http://x')).toBe('http://x');
    expect(stripSlash('/')).toBe('/');
    expect(stripSlash('/a/')).toBe('/a');
  });
});
