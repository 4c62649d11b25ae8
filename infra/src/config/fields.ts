/** Field rules shared by the stack config's schemas: strings with a hint, group lists. */
import { z } from '@booxstream/config-kit';

/** A non-empty string; with a pattern, a value outside it is quoted with the hint. */
export function text(pattern?: RegExp, hint?: string) {
  const s = z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a non-empty string') }).refine((v) => v.trim() !== '', {
    error: 'must be a non-empty string',
    abort: true,
  });
  if (!pattern) return s;
  return s.refine((v) => pattern.test(v), { error: (iss) => `${JSON.stringify(iss.input)} is not valid${hint ? `: ${hint}` : ''}` });
}

/** authentik group names; ADMIN_GROUPS is comma-separated, so a comma inside a name would split it. */
export const groupNames = z
  .array(z.string({ error: 'must be a group name without commas' }).refine((g) => g.trim() !== '' && !g.includes(','), { error: 'must be a group name without commas' }), {
    error: 'must be a non-empty list of authentik group names',
  })
  .min(1, { error: 'must be a non-empty list of authentik group names' });
