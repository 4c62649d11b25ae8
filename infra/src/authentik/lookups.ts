/**
 * Objects the program refers to by a human name but authentik's API takes by primary key:
 * flows (slug → uuid), groups (name → uuid), the embedded outpost (managed id → uuid).
 * Their pks differ per installation, so they are looked up, never configured.
 */
import type { Outpost } from '@goauthentik/api';
import { AuthentikLookupError } from '../errors.js';
import type { AuthentikApis } from './client.js';
import { listAll } from './pages.js';

export interface FlowRef {
  readonly slug: string;
  readonly pk: string;
  readonly designation: string;
}

export interface GroupRef {
  readonly name: string;
  readonly pk: string;
}

/** How the program names an outpost: authentik's `managed` id (stable) and its display name. */
export interface OutpostSelector {
  readonly managed: string;
  readonly name: string;
}

/** Resolves a flow slug to its uuid. @throws AuthentikLookupError when no flow has that slug. */
export async function lookupFlow(apis: AuthentikApis, slug: string): Promise<FlowRef> {
  const flows = await listAll('flows_instances_list', (page) => apis.flows.flowsInstancesList({ slug, page }));
  // The `slug` filter is exact in authentik; comparing again keeps a looser server honest.
  const flow = flows.find((f) => f.slug === slug);
  if (!flow) throw new AuthentikLookupError('flow', slug, 'check gateway.authentik.flows (Flows and Stages → Flows lists the slugs)');
  return { slug: flow.slug, pk: flow.pk, designation: String(flow.designation) };
}

/** Resolves a group name to its uuid. @throws AuthentikLookupError when no group has exactly that name. */
export async function lookupGroup(apis: AuthentikApis, name: string): Promise<GroupRef> {
  const groups = await listAll('core_groups_list', (page) => apis.core.coreGroupsList({ name, page }));
  const group = groups.find((g) => g.name === name);
  if (!group) throw new AuthentikLookupError('group', name, "create it (Directory → Groups) or fix the app's allowedGroups");
  return { name: group.name, pk: group.pk };
}

/**
 * Finds the outpost by its `managed` id (the embedded outpost keeps it when renamed), falling
 * back to the exact name for outposts authentik does not manage.
 * @throws AuthentikLookupError when neither matches.
 */
export async function findOutpost(apis: AuthentikApis, selector: OutpostSelector): Promise<Outpost> {
  if (selector.managed) {
    const managed = await listAll('outposts_instances_list', (page) =>
      apis.outposts.outpostsInstancesList({ managedIexact: selector.managed, page }),
    );
    const found = managed.find((o) => o.managed === selector.managed);
    if (found) return found;
  }
  const named = await listAll('outposts_instances_list', (page) => apis.outposts.outpostsInstancesList({ nameIexact: selector.name, page }));
  const found = named.find((o) => o.name === selector.name);
  if (!found) {
    throw new AuthentikLookupError('outpost', selector.managed || selector.name, 'check gateway.authentik.embeddedOutpostName');
  }
  return found;
}
