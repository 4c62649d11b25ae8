/**
 * Running a zod schema and turning its failures into `ConfigIssue`s: our own messages (what to
 * write, and what was found), unknown keys split one issue each with the nearest known key.
 */
import { z } from 'zod';
import { type ConfigIssue, joinPath } from './issue.js';
import { nearestKey } from './nearest-key.js';

export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: ConfigIssue[] };

/** Validates `input` against `schema`; never throws for bad input. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.output<S>> {
  const result = schema.safeParse(input, { error: defaultMessage });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: result.error.issues.flatMap((i) => toIssues(schema, i)) };
}

/** `["apps", 0, "name"]` → `apps[0].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, k) => joinPath(out, typeof k === 'number' ? k : String(k)), '');
}

/** A value as an error message quotes it. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** An integer in [min, max], with one message for every way of missing it. */
export function integer(min: number, max: number) {
  const error = (iss: { input?: unknown }) =>
    iss.input === undefined ? 'is required' : `must be an integer between ${min} and ${max}, got ${describe(iss.input)}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'a mapping',
};

function defaultMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined ? 'is required' : `must be ${EXPECTED[iss.expected] ?? iss.expected}, got ${describe(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'string') return Number(iss.minimum) <= 1 ? 'must not be empty' : `must be at least ${iss.minimum} characters`;
      if (iss.origin === 'array') return `must have at least ${iss.minimum} item${Number(iss.minimum) === 1 ? '' : 's'}`;
      return `must be at least ${iss.minimum}, got ${describe(iss.input)}`;
    case 'too_big':
      if (iss.origin === 'string') return `must be at most ${iss.maximum} characters`;
      if (iss.origin === 'array') return `must have at most ${iss.maximum} items`;
      return `must be at most ${iss.maximum}, got ${describe(iss.input)}`;
    case 'invalid_value':
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(iss.input)}`;
    case 'invalid_format':
      return `must match ${iss.pattern ?? iss.format}, got ${describe(iss.input)}`;
    default:
      return undefined;
  }
}

function toIssues(root: z.ZodType, issue: z.core.$ZodIssue): ConfigIssue[] {
  const at = formatPath(issue.path);
  // A record key's own rule says what is wrong with it; zod's wrapper only says "Invalid key".
  if (issue.code === 'invalid_key') return [{ path: at, message: issue.issues[0]?.message ?? issue.message }];
  if (issue.code !== 'unrecognized_keys') return [{ path: at, message: issue.message }];
  const known = knownKeys(root, issue.path);
  return issue.keys.map((key) => {
    const suggestion = nearestKey(key, known);
    return {
      path: joinPath(at, key),
      message: `is not a known field (known: ${known.join(', ')})`,
      ...(suggestion !== undefined ? { suggestion } : {}),
    };
  });
}

/** The keys the object schema at `path` declares (through optional, default, pipe, array, union…). */
export function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const found = new Set<string>();
  const walk = (s: z.core.$ZodType, rest: readonly PropertyKey[]): void => {
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    const inner = (def['innerType'] ?? (def.type === 'pipe' ? def['in'] : undefined)) as z.core.$ZodType | undefined;
    if (inner) return walk(inner, rest);
    if (def.type === 'lazy') return walk((def['getter'] as () => z.core.$ZodType)(), rest);
    if (def.type === 'union') {
      for (const option of def['options'] as z.core.$ZodType[]) walk(option, rest);
      return;
    }
    if (def.type === 'array') {
      if (rest.length > 0) walk(def['element'] as z.core.$ZodType, rest.slice(1));
      return;
    }
    if (def.type !== 'object') return;
    const shape = def['shape'] as Record<string, z.core.$ZodType>;
    if (rest.length === 0) for (const k of Object.keys(shape)) found.add(k);
    else if (Object.hasOwn(shape, String(rest[0]))) walk(shape[String(rest[0])]!, rest.slice(1));
  };
  walk(schema, path);
  return [...found];
}
