/**
 * Shared by every configuration front end (the server's environment, the gateway model, the
 * Pulumi stack config). zod is the one schema library: typed parsing with the TypeScript types
 * inferred from the schema, and `z.toJSONSchema` gives editors the same rules as a JSON schema.
 * Re-exported here so the whole repository validates with one copy of it.
 */
export { z } from 'zod';
export { deepFreeze } from './deep-freeze.js';
export { type ConfigIssue, formatIssue, formatIssues, joinPath, prefixIssues } from './issue.js';
export { defaultMaxEdits, levenshtein, nearestKey } from './nearest-key.js';
export { describe, formatPath, integer, knownKeys, validate, type Validated } from './zod-issues.js';
