/**
 * Pure comparison of what we asked authentik for and what it holds, in authentik's own wire
 * format (snake_case JSON). The dynamic providers keep the observed subset as their output so
 * that `pulumi refresh` shows drift and the next `pulumi up` puts the declared values back.
 */

/** A JSON object as authentik sends and receives it. */
export type WireObject = Record<string, unknown>;

/**
 * The fields of `actual` that `desired` declares, and only those: server-owned fields (pk,
 * outpost_set, …) and fields we never set stay out of the state, so they cannot cause diffs.
 * A declared field the server does not return is recorded as `null`.
 */
export function observedFields(actual: WireObject, desired: WireObject): WireObject {
  const out: WireObject = {};
  for (const key of Object.keys(desired)) out[key] = actual[key] === undefined ? null : actual[key];
  return out;
}

/**
 * Names of the declared fields whose values differ. Arrays of scalars compare as sets:
 * authentik returns M2M lists (property mappings, outpost providers) in its own order.
 */
export function changedFields(olds: WireObject | undefined, news: WireObject): string[] {
  const changed: string[] = [];
  for (const key of Object.keys(news)) {
    if (!sameValue(olds?.[key], news[key])) changed.push(key);
  }
  return changed;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(normalize(value));
}

function normalize(value: unknown): unknown {
  if (value === undefined) return null;
  if (Array.isArray(value)) {
    const items = value.map(normalize);
    return items.every((i) => i === null || typeof i !== 'object')
      ? [...items].sort((x, y) => String(x).localeCompare(String(y)))
      : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = normalize((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
