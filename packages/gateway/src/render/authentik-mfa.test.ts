import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { generate, generateSecret } from 'otplib';
import { describe, expect, it } from 'vitest';
import { loadAuthentikOpenApi } from '../authentik/openapi.js';
import { loadExampleGateway } from '../model/load.js';
import { validateGateway } from '../model/validate.js';
import { renderPreview } from '../preview/render.js';
import { renderAuthentikProvider } from './authentik.js';
import { AUTHENTIK_DEFAULT_STAGES, MFA_FLOW_SLUG, mfaLookups, mfaStepReferences, renderMfaSteps, signInFlowSlug } from './authentik-mfa.js';

const UUID = '00000000-0000-4000-8000-000000000001';
const UUID2 = '00000000-0000-4000-8000-000000000002';

const run = promisify(execFile);
const gateway = loadExampleGateway();
const withMfa = (mfa: unknown) => validateGateway({ ...(structuredClone(gateway) as object), mfa });

describe('two-factor sign-in: gateway-wide (adopting the default flow)', () => {
  const mfa = withMfa({ scope: 'gateway' }).mfa!;
  const steps = renderMfaSteps(mfa, {});

  it('every body is valid against authentik\'s schema.yml', () => {
    const api = loadAuthentikOpenApi();
    for (const s of steps) {
      const body = JSON.parse(JSON.stringify(s.body).replace(/"<[a-z-]+>"/g, '"00000000-0000-4000-8000-000000000001"')) as unknown;
      expect(api.validateComponent(s.schema, body, 'request'), s.key).toEqual([]);
    }
  });

  it('the default MFA validation stage requires TOTP or WebAuthn and sends users without one to set it up', () => {
    const validate = steps.find((s) => s.key === 'validate')!;
    expect(validate).toMatchObject({ method: 'PATCH', adopt: { name: AUTHENTIK_DEFAULT_STAGES.mfaValidation } });
    expect(validate.body).toMatchObject({ device_classes: ['totp', 'webauthn'], not_configured_action: 'configure', configuration_stages: ['<totp-setup>', '<webauthn-setup>'] });
  });

  it('adopts only authentik defaults, and remembers every field it changes so destroy can put it back', () => {
    const patches = steps.filter((s) => s.method === 'PATCH');
    expect(patches.map((s) => s.adopt!.name).sort()).toEqual([AUTHENTIK_DEFAULT_STAGES.login, AUTHENTIK_DEFAULT_STAGES.mfaValidation, AUTHENTIK_DEFAULT_STAGES.password].sort());
    for (const p of patches) expect(Object.keys(p.body).sort(), p.key).toEqual([...p.adopt!.restoreFields].sort());
    // Objects of ours are created, never adopted; their names are ours.
    for (const s of steps.filter((x) => x.method === 'POST' && 'name' in x.body)) expect(String(s.body['name'])).toMatch(/^booxstream-mfa-/);
  });

  it('5 failed passwords cancel, sessions last 1 h, a negated reputation policy guards a deny stage before the password', () => {
    expect(steps.find((s) => s.key === 'password')!.body).toEqual({ failed_attempts_before_cancel: 5 });
    expect(steps.find((s) => s.key === 'login')!.body).toEqual({ session_duration: 'hours=1' });
    expect(steps.find((s) => s.key === 'reputation')!.body).toMatchObject({ check_ip: true, check_username: true, threshold: -5 });
    expect(steps.find((s) => s.key === 'binding-deny')!.body).toMatchObject({ target: '<default-flow>', stage: '<deny>', order: 15, re_evaluate_policies: true });
    expect(steps.find((s) => s.key === 'reputation-on-deny')!.body).toMatchObject({ policy: '<reputation>', target: '<binding-deny>', negate: true });
  });
});

describe('two-factor sign-in: per app (a flow of our own)', () => {
  const mfa = withMfa({ scope: 'apps', apps: ['booxstream'] }).mfa!;
  const steps = renderMfaSteps(mfa, {});

  it('creates its own flow and stages and changes no authentik default (other apps sign in as before)', () => {
    expect(steps.every((s) => s.method === 'POST')).toBe(true);
    expect(steps.find((s) => s.key === 'flow')!.body).toMatchObject({ slug: MFA_FLOW_SLUG, designation: 'authentication' });
    const bindings = steps.filter((s) => s.path === '/flows/bindings/');
    expect(bindings.map((b) => [b.body['stage'], b.body['order']])).toEqual([
      ['<default-identification>', 10],
      ['<deny>', 15],
      ['<password>', 20],
      ['<validate>', 30],
      ['<login>', 100],
    ]);
    expect(bindings.every((b) => b.body['target'] === '<flow>')).toBe(true);
  });

  it('a body authentik would refuse is refused by the check (the check can fail)', () => {
    const api = loadAuthentikOpenApi();
    const validate = steps.find((s) => s.key === 'validate')!;
    expect(api.validateComponent('AuthenticatorValidateStageRequest', { ...validate.body, not_configured_action: 'always', configuration_stages: [] }, 'request')).not.toEqual([]);
  });
});

describe('the preview', () => {
  it('shows each step of a declared mfa: section, in order, with placeholders for the pks', () => {
    const files = renderPreview(withMfa({ scope: 'gateway' }), 'test');
    const mfa = files.filter((f) => f.path.startsWith('authentik/mfa/'));
    expect(mfa.map((f) => f.path)).toContain('authentik/mfa/03-validate.json');
    expect(JSON.parse(mfa.find((f) => f.path.endsWith('-validate.json'))!.content)).toMatchObject({ method: 'PATCH', adopt: { name: AUTHENTIK_DEFAULT_STAGES.mfaValidation } });
    expect(renderPreview(gateway, 'test').some((f) => f.path.startsWith('authentik/mfa/'))).toBe(false);
  });
});

describe('which flow each app signs in through', () => {
  it('per app: the listed app\'s provider names the flow of our own, the others keep the brand\'s default', () => {
    const perApp = withMfa({ scope: 'apps', apps: ['booxstream'] });
    const boox = perApp.apps.find((a) => a.name === 'booxstream')!;
    const affine = perApp.apps.find((a) => a.name === 'affine')!;
    expect(renderAuthentikProvider(perApp, boox, { authorization: UUID, invalidation: UUID, authentication: UUID2 }).authentication_flow).toBe(UUID2);
    expect(renderAuthentikProvider(perApp, affine, { authorization: UUID, invalidation: UUID }).authentication_flow).toBeUndefined();
    expect(signInFlowSlug(perApp, boox)).toBe(MFA_FLOW_SLUG);
    expect(signInFlowSlug(perApp, affine)).toBe('default-authentication-flow');
    expect(signInFlowSlug(withMfa({ scope: 'gateway', defaultFlowSlug: 'home-login' }), boox)).toBe('home-login');
    expect(signInFlowSlug(gateway, boox)).toBe('default-authentication-flow');
  });

  it('every step refers only to lookups and earlier steps, so each can be applied once its references exist', () => {
    for (const scope of [{ scope: 'gateway' }, { scope: 'apps', apps: ['booxstream'] }]) {
      const mfa = withMfa(scope).mfa!;
      const known = new Set<string>(mfaLookups(mfa).map((l) => l.key));
      for (const step of renderMfaSteps(mfa, {})) {
        expect(mfaStepReferences(step).filter((r) => !known.has(r)), step.key).toEqual([]);
        known.add(step.key);
      }
    }
  });
});

describe('the mfa: section of the model', () => {
  it('names each bad field', () => {
    expect(() => withMfa({ scope: 'apps', apps: ['nextcloud'], sessionDuration: '1h', failedAttemptsBeforeCancel: 0 })).toThrow(/mfa\.apps\[0\]: must name an app/);
    expect(() => withMfa({ scope: 'apps', apps: ['nextcloud'], sessionDuration: '1h' })).toThrow(/mfa\.sessionDuration: must be an authentik timedelta/);
    expect(() => withMfa({ scope: 'everywhere' })).toThrow(/mfa\.scope: must be 'gateway'/);
    expect(() => withMfa({ scope: 'apps' })).toThrow(/mfa\.apps: must list at least one app/);
  });
});

describe('TOTP: the library the tests use agrees with Debian\'s oathtool', () => {
  it.each([0, 59, 1_111_111_109, 2_000_000_000])('at unix time %i', async (epoch) => {
    // 20 random bytes, base32 (otplib 13 refuses secrets under 16 bytes).
    const secret = generateSecret();
    const ours = await generate({ secret, epoch });
    const { stdout } = await run('oathtool', ['--totp', '--base32', `--now=${new Date(epoch * 1000).toISOString().replace('.000Z', 'Z')}`, secret]);
    expect(ours).toMatch(/^\d{6}$/);
    expect(stdout.trim()).toBe(ours);
  });
});
