/**
 * The authentik application of one protected app (`/core/applications/{slug}/`). authentik
 * keys applications by slug, so the slug is the Pulumi id; its uuid (`pk`) is what policy
 * bindings target.
 */
import { ApplicationRequestFromJSON, ApplicationToJSON, type Application } from '@goauthentik/api';
import { applicationSnapshot } from './adoption.js';
import { callApi, type AuthentikApis } from './client.js';
import { observedFields, type WireObject } from './drift.js';
import { listAll } from './pages.js';

export interface ApplicationState {
  readonly slug: string;
  /** The application's uuid, the `target` of its policy bindings. */
  readonly pk: string;
  /** True when an application with this slug already existed and was taken over. */
  readonly adopted: boolean;
  /** An adopted application as it was before (its request fields), put back on delete; null when created. */
  readonly previous: WireObject | null;
  readonly observed: WireObject;
  /** authentik's computed launch URL (meta_launch_url, or the provider's external host). */
  readonly launchUrl: string | null;
}

/** Creates the application, or adopts the one that already has this slug (slugs are unique). */
export async function createApplication(apis: AuthentikApis, request: WireObject): Promise<ApplicationState> {
  const slug = String(request['slug']);
  const existing = await findApplication(apis, slug);
  if (existing) return toState(await putApplication(apis, slug, request), request, true, applicationSnapshot(existing));
  const created = await callApi('core_applications_create', () =>
    apis.core.coreApplicationsCreate({ applicationRequest: ApplicationRequestFromJSON(request) }),
  );
  return toState(created, request, false);
}

/** The application as it is now, or null when it was deleted outside Pulumi. */
export async function readApplication(apis: AuthentikApis, slug: string, desired: WireObject): Promise<ApplicationState | null> {
  const current = await findApplication(apis, slug);
  return current ? toState(current, desired, false) : null;
}

/** Puts the declared fields back. The slug cannot change here: a new slug is a replacement. */
export async function updateApplication(apis: AuthentikApis, slug: string, request: WireObject): Promise<ApplicationState> {
  if (request['slug'] !== slug) throw new Error(`application slug change ${slug} → ${String(request['slug'])} must be a replacement`);
  return toState(await putApplication(apis, slug, request), request, false);
}

/** Created: deleted. Adopted: put back as it was. One already gone counts as deleted. */
export async function deleteApplication(apis: AuthentikApis, slug: string, previous: WireObject | null = null): Promise<void> {
  // A list lookup first: a DELETE on a missing slug answers 404, which authentik's schema does
  // not document for this operation.
  if (!(await findApplication(apis, slug))) return;
  if (previous) {
    await putApplication(apis, slug, previous);
    return;
  }
  await callApi('core_applications_destroy', () => apis.core.coreApplicationsDestroy({ slug }));
}

/**
 * Lookup through the documented list filter rather than `retrieve` (whose 404 is not in the
 * schema). `superuser_full_list` because the default list only shows applications the token's
 * user may access, and a freshly created app with a group binding may exclude that user.
 */
export async function findApplication(apis: AuthentikApis, slug: string): Promise<Application | undefined> {
  const found = await listAll('core_applications_list', (page) =>
    apis.core.coreApplicationsList({ slug, superuserFullList: true, page }),
  );
  return found.find((a) => a.slug === slug);
}

function putApplication(apis: AuthentikApis, slug: string, request: WireObject): Promise<Application> {
  return callApi('core_applications_update', () =>
    apis.core.coreApplicationsUpdate({ slug, applicationRequest: ApplicationRequestFromJSON(request) }),
  );
}

function toState(app: Application, desired: WireObject, adopted: boolean, previous: WireObject | null = null): ApplicationState {
  return {
    slug: app.slug,
    pk: app.pk,
    adopted,
    previous,
    observed: observedFields(ApplicationToJSON(app) as unknown as WireObject, desired),
    launchUrl: app.launchUrl ?? null,
  };
}
