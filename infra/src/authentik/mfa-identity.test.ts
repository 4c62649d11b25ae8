import { describe, expect, it } from 'vitest';
import { mfaObjectDiff, naturalKey, referencePk, restoreBody, urlId, type MfaObjectInputs } from './mfa-identity.js';

const validate: MfaObjectInputs = {
  key: 'validate',
  method: 'PATCH',
  path: '/stages/authenticator/validate/',
  schema: 'PatchedAuthenticatorValidateStageRequest',
  body: { not_configured_action: 'configure', device_classes: ['totp', 'webauthn'] },
  adopt: { name: 'default-authentication-mfa-validation', restoreFields: ['not_configured_action', 'device_classes'] },
};
const binding: MfaObjectInputs = { key: 'binding-deny', method: 'POST', path: '/flows/bindings/', schema: 'FlowStageBindingRequest', body: { target: 'f', stage: 's', order: 15 } };

describe('two-factor objects: identity, references, restore, diff', () => {
  it('finds an adopted default by name, a stage binding by (target, stage, order), a flow by slug', () => {
    expect(naturalKey(validate).query).toEqual({ name: 'default-authentication-mfa-validation' });
    expect(naturalKey(binding).query).toEqual({ target: 'f', stage: 's', order: '15' });
    expect(naturalKey(binding).matches({ target: 'f', stage: 's', order: 15 })).toBe(true);
    expect(naturalKey(binding).matches({ target: 'f', stage: 's', order: 16 })).toBe(false);
    expect(naturalKey({ ...binding, key: 'flow', path: '/flows/instances/', body: { slug: 'x' } }).query).toEqual({ slug: 'x' });
  });

  it('a stage binding is referred to by its policy-binding-model id; a flow is addressed by slug', () => {
    expect(referencePk('/flows/bindings/', { pk: 'fsb', policybindingmodel_ptr_id: 'pbm' })).toBe('pbm');
    expect(referencePk('/stages/deny/', { pk: 'stage' })).toBe('stage');
    expect(urlId('/flows/instances/', { pk: 'uuid', slug: 'my-flow' })).toBe('my-flow');
  });

  it('records exactly the fields the step changes, as they were', () => {
    expect(restoreBody(validate, { pk: 'p', name: 'n', not_configured_action: 'skip', device_classes: ['static'], last_auth_threshold: 'seconds=0' })).toEqual({
      not_configured_action: 'skip',
      device_classes: ['static'],
    });
  });

  it('no change for the same body; drift or a new value updates; another endpoint or natural key replaces', () => {
    const olds = { ...validate, observed: { ...validate.body } };
    expect(mfaObjectDiff(olds, validate)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(mfaObjectDiff({ ...olds, observed: { ...validate.body, not_configured_action: 'skip' } }, validate)).toMatchObject({ changes: true, replaces: [] });
    expect(mfaObjectDiff({ ...olds, adopt: { name: 'other', restoreFields: [] } }, validate).replaces).toEqual(['adopt']);
    const bOlds = { ...binding, observed: binding.body, naturalKey: naturalKey(binding).query };
    expect(mfaObjectDiff(bOlds, { ...binding, body: { ...binding.body, order: 16 } }).replaces).toEqual(['body']);
  });
});
