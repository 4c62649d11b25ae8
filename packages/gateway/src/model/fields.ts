/**
 * The zod building blocks every section of the gateway model shares (`schema.ts`, `bypass.ts`,
 * `deploy.ts`), so a single-line string or a rule written as code reads the same everywhere.
 */
import { z } from '@booxstream/config-kit';

/** Adds the problem `rule` finds, if any, as an issue on the value. */
export function checked(schema: z.ZodString, rule: (value: string) => string | undefined) {
  return schema.check((ctx) => {
    const message = rule(ctx.value);
    if (message !== undefined) ctx.issues.push({ code: 'custom', message, input: ctx.value });
  });
}

/** A non-empty single-line string (it ends up in YAML, headers, API bodies and command lines). */
export const line = (opts: { allowEmpty?: boolean } = {}) =>
  checked(z.string(), (s) => (!opts.allowEmpty && s.trim() === '' ? 'must not be empty' : /[\r\n]/.test(s) ? 'must be a single line' : undefined));
