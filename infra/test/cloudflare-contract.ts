/**
 * Cloudflare's request and response contract, read from the official `cloudflare` SDK's own
 * type declarations (the SDK is generated from Cloudflare's OpenAPI document by Stainless).
 * The TypeScript compiler loads the SDK's `.d.ts` files and a value is checked against a
 * named type at run time: required properties present, no property the type does not
 * declare, primitives, literals, arrays, unions (one member must accept the value).
 *
 * So the fake Cloudflare API refuses exactly what the SDK's types refuse, with the SDK's own
 * field names, and a field our code invents (or a typo in a live rule we write back) is
 * caught even though the wire format is untyped JSON.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const require = createRequire(import.meta.url);
// The package's exports map hides package.json; its main entry sits at the package root.
const SDK_DIR = dirname(require.resolve('cloudflare'));

/** The SDK files that declare the operations the program uses. */
const SDK_FILES = {
  records: 'resources/dns/records.d.ts',
  configurations: 'resources/zero-trust/tunnels/cloudflared/configurations.d.ts',
} as const;

export type SdkFile = keyof typeof SDK_FILES;

export interface CloudflareContract {
  /** The SDK version the types come from. */
  readonly sdkVersion: string;
  /** Problems of `value` against the SDK type `typeName` of `file`; empty when it conforms. */
  check(file: SdkFile, typeName: string, value: unknown, at?: string): string[];
}

let cached: CloudflareContract | undefined;

export function loadCloudflareContract(): CloudflareContract {
  if (cached) return cached;
  const paths = Object.values(SDK_FILES).map((f) => join(SDK_DIR, f));
  const program = ts.createProgram(paths, { noEmit: true, strict: true, skipLibCheck: true, types: [], target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const typeCache = new Map<string, ts.Type>();
  const sdkVersion = (JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8')) as { version: string }).version;

  const findType = (file: SdkFile, name: string): ts.Type => {
    const key = `${file}:${name}`;
    const hit = typeCache.get(key);
    if (hit) return hit;
    const source = program.getSourceFile(join(SDK_DIR, SDK_FILES[file]));
    if (!source) throw new Error(`cloudflare SDK file ${SDK_FILES[file]} not loaded`);
    for (const statement of source.statements) {
      if ((ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && statement.name.text === name) {
        const symbol = checker.getSymbolAtLocation(statement.name);
        if (!symbol) break;
        const type = checker.getDeclaredTypeOfSymbol(symbol);
        typeCache.set(key, type);
        return type;
      }
    }
    throw new Error(`type ${name} not found in cloudflare SDK ${SDK_FILES[file]}`);
  };

  const describe = (type: ts.Type) => checker.typeToString(type);

  function validate(value: unknown, type: ts.Type, at: string, depth: number): string[] {
    if (depth > 30) return [`${at}: nesting too deep`];
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return [];
    if (type.isUnion()) {
      // An optional property's type is `T | undefined`: a present value is checked against T.
      const members = type.types.filter((m) => value === undefined || !(m.flags & ts.TypeFlags.Undefined));
      const results = members.map((member) => validate(value, member, at, depth + 1));
      if (results.some((r) => r.length === 0)) return [];
      // Report against the member the value meant (its discriminant matched), else the closest.
      results.sort((a, b) => a.length - b.length);
      const literalOnly = type.types.every((m) => m.flags & (ts.TypeFlags.Literal | ts.TypeFlags.Undefined | ts.TypeFlags.Null));
      return literalOnly ? [`${at}: ${JSON.stringify(value)} is not one of ${describe(type)}`] : (results[0] as string[]);
    }
    if (f & ts.TypeFlags.Undefined) return value === undefined ? [] : [`${at}: must be absent`];
    if (f & ts.TypeFlags.Null) return value === null ? [] : [`${at}: must be null`];
    if (f & ts.TypeFlags.StringLiteral) return value === (type as ts.StringLiteralType).value ? [] : [`${at}: must be ${describe(type)}`];
    if (f & ts.TypeFlags.NumberLiteral) return value === (type as ts.NumberLiteralType).value ? [] : [`${at}: must be ${describe(type)}`];
    if (f & ts.TypeFlags.BooleanLiteral) return value === (describe(type) === 'true') ? [] : [`${at}: must be ${describe(type)}`];
    if (f & ts.TypeFlags.String) return typeof value === 'string' ? [] : [`${at}: must be a string, got ${JSON.stringify(value)}`];
    if (f & ts.TypeFlags.Number) return typeof value === 'number' ? [] : [`${at}: must be a number, got ${JSON.stringify(value)}`];
    if (f & ts.TypeFlags.Boolean) return typeof value === 'boolean' ? [] : [`${at}: must be a boolean`];
    if (checker.isArrayType(type)) {
      if (!Array.isArray(value)) return [`${at}: must be an array`];
      const element = checker.getTypeArguments(type as ts.TypeReference)[0] as ts.Type;
      return value.flatMap((item, i) => validate(item, element, `${at}[${i}]`, depth + 1));
    }
    if (f & ts.TypeFlags.Object || type.isIntersection()) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${at}: must be an object (${describe(type)})`];
      const record = value as Record<string, unknown>;
      const errors: string[] = [];
      const props = checker.getPropertiesOfType(type);
      const declared = new Set(props.map((p) => p.name));
      for (const prop of props) {
        const present = record[prop.name] !== undefined;
        const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
        if (!present) {
          if (!optional) errors.push(`${at}.${prop.name}: required by the SDK type ${describe(type)}`);
          continue;
        }
        const decl = prop.valueDeclaration ?? prop.declarations?.[0];
        const propType = decl ? checker.getTypeOfSymbolAtLocation(prop, decl) : checker.getAnyType();
        errors.push(...validate(record[prop.name], propType, `${at}.${prop.name}`, depth + 1));
      }
      const index = checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & ts.TypeFlags.String);
      for (const key of Object.keys(record)) {
        if (declared.has(key) || record[key] === undefined) continue;
        if (index) errors.push(...validate(record[key], index.type, `${at}.${key}`, depth + 1));
        else errors.push(`${at}.${key}: not a field of the SDK type ${describe(type)}`);
      }
      return errors;
    }
    return [`${at}: unsupported SDK type ${describe(type)}`];
  }

  cached = {
    sdkVersion,
    check: (file, typeName, value, at = typeName) => validate(value, findType(file, typeName), at, 0),
  };
  return cached;
}
