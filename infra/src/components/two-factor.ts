/**
 * Two-factor sign-in in authentik, from the gateway model's `mfa:` section: every step
 * `renderMfaSteps` renders becomes one resource, in the renderer's order. A step's body is
 * rendered again once the pks it refers to (earlier steps, or the looked-up defaults) are
 * known, so the renderer stays the only place that knows the bodies; the references also
 * give Pulumi the order to create in and the reverse order to delete in (adopted defaults
 * are restored before the stages they pointed at are deleted).
 */
import * as pulumi from '@pulumi/pulumi';
import { GATEWAY_RESOURCE_NAMES as NAMES, mfaLookups, mfaStepReferences, renderMfaSteps, type MfaLayer, type MfaPks } from '@booxstream/gateway';
import { AuthentikMfaObject, AuthentikNamedLookup } from '../authentik/resources.js';

export interface TwoFactorSignInArgs {
  mfa: MfaLayer;
}

export class TwoFactorSignIn extends pulumi.ComponentResource {
  /** The uuid of the flow of our own (`scope: apps`), for the listed apps' providers; undefined gateway-wide. */
  readonly flowPk: pulumi.Output<string> | undefined;

  constructor(name: string, args: TwoFactorSignInArgs, opts?: pulumi.ComponentResourceOptions) {
    super('booxstream:gateway:TwoFactorSignIn', name, {}, opts);
    const { mfa } = args;
    const pks = new Map<keyof MfaPks, pulumi.Output<string>>();
    for (const lookup of mfaLookups(mfa)) {
      pks.set(lookup.key, new AuthentikNamedLookup(NAMES.mfaLookup(lookup.key), { path: lookup.path, field: lookup.field, value: lookup.value }, { parent: this }).pk);
    }
    for (const step of renderMfaSteps(mfa, {})) {
      const refs = mfaStepReferences(step);
      const missing = refs.filter((r) => !pks.has(r));
      if (missing.length > 0) throw new pulumi.ResourceError(`mfa step '${step.key}' refers to ${missing.join(', ')} before it exists`, this);
      const resolved = pulumi.all(Object.fromEntries(refs.map((r) => [r, pks.get(r)!])));
      const body = resolved.apply((known) => renderMfaSteps(mfa, known as MfaPks).find((s) => s.key === step.key)!.body);
      const object = new AuthentikMfaObject(
        NAMES.mfaObject(step.key),
        {
          key: step.key,
          method: step.method,
          path: step.path,
          schema: step.schema,
          body,
          ...(step.adopt ? { adopt: { name: step.adopt.name, restoreFields: [...step.adopt.restoreFields] } } : {}),
        },
        { parent: this },
      );
      pks.set(step.key, object.pk);
    }
    this.flowPk = mfa.scope === 'apps' ? pks.get('flow') : undefined;
    this.registerOutputs({ flowPk: this.flowPk });
  }
}
