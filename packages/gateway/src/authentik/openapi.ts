/**
 * A validator built from authentik's own OpenAPI document (`schema.yml` shipped inside
 * `@goauthentik/api`), so request bodies we render and the fakes others write are checked
 * against the vendor's contract rather than our reading of it.
 *
 * OpenAPI 3.0 is not JSON Schema, so the component schemas are translated once per flavour:
 * - `nullable: true` becomes a union with `null` (ajv's own `nullable` needs a sibling `type`,
 *   and authentik often puts `nullable` beside an `allOf: [$ref]`).
 * - request flavour: `readOnly` properties are forbidden and not required; objects that do not
 *   say otherwise reject unknown properties. That is stricter than the server: Django REST
 *   framework drops unknown fields silently, so a typo such as `invalidationFlow` would be
 *   accepted and ignored there. Catching it here is the point.
 * - response flavour: `writeOnly` properties are forbidden and not required; unknown
 *   properties are allowed (a newer server may add fields).
 * - `discriminator` is dropped (ajv's support needs a shape authentik does not use); the
 *   `oneOf` it decorates is still checked.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import yaml from 'js-yaml';
import { UnknownSchemaError } from '../errors.js';

/** Request (what a client sends) or response (what the server returns). */
export type SchemaFlavour = 'request' | 'response';

export interface AuthentikOpenApi {
  /** `info.version` of the loaded document, e.g. `2026.8.3`. */
  readonly version: string;
  /** Finds the operation for a method + path under /api/v3 (path templates like /providers/proxy/{id}/). */
  findOperation(method: string, pathname: string): { operationId: string; pathParams: Record<string, string> } | null;
  /** Errors (empty if valid) for a request: path params types, query params, JSON body against the requestBody schema. */
  validateRequest(method: string, pathname: string, query: URLSearchParams, body: unknown): string[];
  /** Errors for a response body against the documented schema for that status. */
  validateResponse(method: string, pathname: string, status: number, body: unknown): string[];
  /**
   * Errors for a value against components.schemas[name].
   * @param [flavour='request'] request: readOnly props not allowed/required; response: writeOnly ones.
   * @throws UnknownSchemaError when the document has no such component.
   */
  validateComponent(name: string, value: unknown, flavour?: SchemaFlavour): string[];
}

/** The API base path authentik's clients use (`BASE_PATH` in @goauthentik/api). */
export const AUTHENTIK_API_BASE_PATH = '/api/v3';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaObject = { [key: string]: Json };

interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: SchemaObject;
}

interface Operation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: SchemaObject }> };
  responses?: Record<string, ResponseObject | { $ref: string }>;
}

interface ResponseObject {
  description?: string;
  content?: Record<string, { schema?: SchemaObject }>;
}

/** The parts of an OpenAPI 3.0 document the validator reads. */
export interface OpenApiDocument {
  info: { version: string };
  paths: Record<string, Record<string, Operation | unknown>>;
  components: {
    schemas: Record<string, SchemaObject>;
    parameters?: Record<string, Parameter>;
    responses?: Record<string, ResponseObject>;
  };
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const DOC_ID: Record<SchemaFlavour, string> = { request: 'authentik-request', response: 'authentik-response' };

/** Path of authentik's `schema.yml`, next to `@goauthentik/api`'s package.json. */
export function authentikSchemaPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@goauthentik/api/package.json')), 'schema.yml');
}

let cached: AuthentikOpenApi | undefined;

/** Loads and compiles authentik's OpenAPI document once per process (parsing takes ~0.5 s). */
export function loadAuthentikOpenApi(): AuthentikOpenApi {
  cached ??= createAuthentikOpenApi(yaml.load(readFileSync(authentikSchemaPath(), 'utf8')) as OpenApiDocument);
  return cached;
}

/** Builds a validator from an already parsed document (exported for tests with a tiny document). */
export function createAuthentikOpenApi(doc: OpenApiDocument): AuthentikOpenApi {
  const ajv = newAjv(false);
  // A separate instance coerces path and query strings ("12" → 12) without ever coercing bodies.
  const paramAjv = newAjv('array');
  for (const flavour of ['request', 'response'] as const) {
    // `definitions` rather than `components.schemas`: ajv (strict) only knows the former as a
    // container of subschemas; translateSchema rewrites the `$ref`s to match.
    const translated = { $id: DOC_ID[flavour], definitions: translateSchemas(doc.components.schemas, flavour) };
    ajv.addSchema(translated);
    paramAjv.addSchema(translated);
  }

  const componentValidators = new Map<string, ValidateFunction>();
  const componentValidator = (name: string, flavour: SchemaFlavour): ValidateFunction => {
    if (!Object.hasOwn(doc.components.schemas, name)) throw new UnknownSchemaError(name);
    const key = `${flavour}:${name}`;
    let validate = componentValidators.get(key);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOC_ID[flavour]}#/definitions/${escapePointer(name)}` });
      componentValidators.set(key, validate);
    }
    return validate;
  };

  // Inline schemas (request bodies, responses, parameters) are translated the same way, and
  // their `$ref`s are pointed at the translated document of the same flavour.
  const inlineValidators = new Map<string, ValidateFunction>();
  const inlineValidator = (key: string, schema: SchemaObject, flavour: SchemaFlavour, instance: Ajv): ValidateFunction => {
    let validate = inlineValidators.get(key);
    if (!validate) {
      validate = instance.compile(retarget(translateSchema(schema, flavour), DOC_ID[flavour]) as SchemaObject);
      inlineValidators.set(key, validate);
    }
    return validate;
  };

  const routes = buildRoutes(doc);

  const findRoute = (method: string, pathname: string) => {
    const m = method.toLowerCase();
    const path = stripBase(pathname);
    for (const route of routes) {
      const match = route.regex.exec(path);
      if (!match) continue;
      const operation = route.operations.get(m);
      if (!operation) continue;
      const pathParams: Record<string, string> = {};
      route.paramNames.forEach((name, i) => {
        pathParams[name] = safeDecode(match[i + 1] ?? '');
      });
      return { route, operation, pathParams };
    }
    return null;
  };

  const resolveParameter = (p: Parameter | { $ref: string }): Parameter =>
    '$ref' in p ? (lookupRef(doc, p.$ref) as Parameter) : p;

  return {
    version: doc.info.version,

    findOperation(method, pathname) {
      const found = findRoute(method, pathname);
      return found ? { operationId: found.operation.operationId, pathParams: found.pathParams } : null;
    },

    validateRequest(method, pathname, query, body) {
      const found = findRoute(method, pathname);
      if (!found) return [`no documented operation for ${method.toUpperCase()} ${pathname}`];
      const { operation, pathParams } = found;
      const errors: string[] = [];
      const params = (operation.parameters ?? []).map(resolveParameter);

      const pathSchema = paramsSchema(params.filter((p) => p.in === 'path'));
      const pathData: Record<string, unknown> = { ...pathParams };
      const validatePath = inlineValidator(`${operation.operationId}:path`, pathSchema, 'request', paramAjv);
      if (!validatePath(pathData)) errors.push(...formatErrors('path', validatePath.errors));

      const queryParams = params.filter((p) => p.in === 'query');
      const queryData: Record<string, unknown> = {};
      for (const name of new Set(query.keys())) {
        const param = queryParams.find((p) => p.name === name);
        const values = query.getAll(name);
        if (!param) {
          errors.push(`query parameter '${name}' is not documented for ${operation.operationId}`);
        } else if (param.schema?.['type'] === 'array') {
          queryData[name] = values;
        } else if (values.length > 1) {
          errors.push(`query parameter '${name}' is given ${values.length} times but takes one value`);
        } else {
          queryData[name] = values[0];
        }
      }
      const validateQuery = inlineValidator(`${operation.operationId}:query`, paramsSchema(queryParams), 'request', paramAjv);
      if (!validateQuery(queryData)) errors.push(...formatErrors('query', validateQuery.errors));

      const bodySchema = pickContentSchema(operation.requestBody?.content);
      if (bodySchema === undefined) {
        if (body !== undefined) errors.push(`${operation.operationId} takes no request body`);
      } else if (body === undefined) {
        if (operation.requestBody?.required) errors.push(`${operation.operationId} requires a request body`);
      } else {
        const validateBody = inlineValidator(`${operation.operationId}:body`, bodySchema, 'request', ajv);
        if (!validateBody(body)) errors.push(...formatErrors('body', validateBody.errors));
      }
      return errors;
    },

    validateResponse(method, pathname, status, body) {
      const found = findRoute(method, pathname);
      if (!found) return [`no documented operation for ${method.toUpperCase()} ${pathname}`];
      const { operation } = found;
      const declared = operation.responses?.[String(status)] ?? operation.responses?.['default'];
      if (!declared) return [`${operation.operationId} does not document status ${status}`];
      const response = '$ref' in declared ? (lookupRef(doc, declared.$ref) as ResponseObject) : declared;
      const schema = pickContentSchema(response.content);
      if (schema === undefined) {
        return body === undefined || body === null || body === ''
          ? []
          : [`${operation.operationId} documents no body for status ${status}`];
      }
      const validate = inlineValidator(`${operation.operationId}:${status}`, schema, 'response', ajv);
      return validate(body) ? [] : formatErrors('body', validate.errors);
    },

    validateComponent(name, value, flavour = 'request') {
      const validate = componentValidator(name, flavour);
      return validate(value) ? [] : formatErrors(name, validate.errors);
    },
  };
}

function newAjv(coerceTypes: false | 'array'): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes,
    // Unknown keywords must fail loudly: a keyword we forgot to translate would otherwise be
    // ignored and the validator would accept too much.
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    validateFormats: true,
  });
  addFormats(ajv);
  return ajv;
}

/** `{a: schema}` → object schema with `required` from the parameter list. */
function paramsSchema(params: Parameter[]): SchemaObject {
  const properties: Record<string, Json> = {};
  const required: string[] = [];
  for (const p of params) {
    properties[p.name] = (p.schema ?? {}) as Json;
    if (p.required) required.push(p.name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

function pickContentSchema(content: Record<string, { schema?: SchemaObject }> | undefined): SchemaObject | undefined {
  if (!content) return undefined;
  const json = content['application/json'];
  if (json) return json.schema ?? {};
  const first = Object.values(content)[0];
  return first ? (first.schema ?? {}) : undefined;
}

interface Route {
  template: string;
  regex: RegExp;
  paramNames: string[];
  literalLength: number;
  operations: Map<string, Operation>;
}

function buildRoutes(doc: OpenApiDocument): Route[] {
  const routes: Route[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    const paramNames: string[] = [];
    let literalLength = 0;
    const source = template
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const param = /^\{([^}]+)\}$/.exec(part);
        if (param) {
          paramNames.push(param[1] ?? '');
          return '([^/]+)';
        }
        literalLength += part.length;
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    const operations = new Map<string, Operation>();
    for (const [method, op] of Object.entries(item)) {
      if (HTTP_METHODS.has(method)) operations.set(method, op as Operation);
    }
    routes.push({ template, regex: new RegExp(`^${source}$`), paramNames, literalLength, operations });
  }
  // A literal segment beats a template: `/core/applications/{slug}/` must not swallow
  // `/core/applications/` siblings such as `.../{slug}/check_access/`.
  routes.sort((a, b) => a.paramNames.length - b.paramNames.length || b.literalLength - a.literalLength);
  return routes;
}

function stripBase(pathname: string): string {
  const path = pathname.split('?')[0] ?? '';
  return path.startsWith(AUTHENTIK_API_BASE_PATH + '/') ? path.slice(AUTHENTIK_API_BASE_PATH.length) : path;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function lookupRef(doc: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref '${ref}' (only local references are expected)`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  if (node === undefined) throw new Error(`dangling $ref '${ref}'`);
  return node;
}

function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function translateSchemas(schemas: Record<string, SchemaObject>, flavour: SchemaFlavour): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(schemas)) out[name] = translateSchema(schema, flavour);
  return out;
}

/** OpenAPI 3.0 schema object → JSON Schema (draft-07 as ajv reads it) for one flavour. */
export function translateSchema(schema: Json, flavour: SchemaFlavour): Json {
  if (Array.isArray(schema)) return schema.map((s) => translateSchema(s, flavour));
  if (schema === null || typeof schema !== 'object') return schema;

  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case 'nullable':
      case 'discriminator':
        break;
      case '$ref':
        out[key] = typeof value === 'string' ? value.replace(/^#\/components\/schemas\//, '#/definitions/') : value;
        break;
      case 'properties': {
        const props: { [key: string]: Json } = {};
        for (const [prop, sub] of Object.entries(value as Record<string, Json>)) {
          // A property hidden in this flavour becomes `false`: present means invalid.
          props[prop] = isHiddenIn(sub, flavour) ? false : translateSchema(sub, flavour);
        }
        out[key] = props;
        break;
      }
      case 'items':
      case 'additionalProperties':
      case 'not':
        out[key] = typeof value === 'object' && value !== null ? translateSchema(value, flavour) : value;
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[key] = (value as Json[]).map((s) => translateSchema(s, flavour));
        break;
      default:
        out[key] = value;
    }
  }

  if (isObjectSchema(schema)) {
    const properties = schema['properties'] as Record<string, Json> | undefined;
    if (Array.isArray(schema['required']) && properties) {
      out['required'] = (schema['required'] as string[]).filter((p) => !isHiddenIn(properties[p], flavour));
    }
    if (flavour === 'request' && properties && !('additionalProperties' in schema)) out['additionalProperties'] = false;
  }

  if (schema['nullable'] === true) return makeNullable(out);
  return out;
}

function isObjectSchema(schema: { [key: string]: Json }): boolean {
  return schema['type'] === 'object' || 'properties' in schema;
}

function isHiddenIn(schema: Json | undefined, flavour: SchemaFlavour): boolean {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return false;
  return flavour === 'request' ? schema['readOnly'] === true : schema['writeOnly'] === true;
}

function makeNullable(schema: { [key: string]: Json }): Json {
  const keys = Object.keys(schema).filter((k) => !METADATA.has(k));
  const type = schema['type'];
  // The simple, readable form when the schema is just a type (plus plain assertions).
  if (typeof type === 'string' && !keys.some((k) => COMPOSITE.has(k))) {
    const out: { [key: string]: Json } = { ...schema, type: [type, 'null'] };
    if (Array.isArray(schema['enum'])) out['enum'] = [...schema['enum'], null];
    return out;
  }
  const meta: { [key: string]: Json } = {};
  const rest: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(schema)) (METADATA.has(k) ? meta : rest)[k] = v;
  return { ...meta, anyOf: [{ type: 'null' }, rest] };
}

const METADATA = new Set(['title', 'description', 'default', 'readOnly', 'writeOnly', 'deprecated', 'example', 'examples']);
const COMPOSITE = new Set(['allOf', 'anyOf', 'oneOf', '$ref', 'not']);

/** Points the local `#/definitions/X` refs of a translated inline schema at the translated document. */
function retarget(schema: Json, docId: string): Json {
  if (Array.isArray(schema)) return schema.map((s) => retarget(s, docId));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] = key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${docId}${value}` : retarget(value, docId);
  }
  return out;
}

/** ajv errors → one readable line each, e.g. `body must have required property 'invalidation_flow'`. */
function formatErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  if (!errors) return [];
  const lines: string[] = [];
  for (const e of errors) {
    // The `null` branch of a nullable union and the umbrella anyOf add noise: the other branch's
    // error already says what is wrong.
    if (e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null') continue;
    if (e.keyword === 'anyOf' && errors.some((o) => o !== e && o.instancePath === e.instancePath && o.keyword !== 'type')) continue;
    const at = `${where}${e.instancePath}`;
    let message = e.message ?? e.keyword;
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'additionalProperties') message += ` ('${String(params['additionalProperty'])}')`;
    if (e.keyword === 'enum') message += `: ${JSON.stringify(params['allowedValues'])}`;
    if (e.keyword === 'false schema') message = 'is not allowed here (read-only or write-only in this direction)';
    lines.push(`${at} ${message}`);
  }
  return lines.length > 0 ? lines : errors.map((e) => `${where}${e.instancePath} ${e.message ?? e.keyword}`);
}
