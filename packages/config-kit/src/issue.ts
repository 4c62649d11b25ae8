/**
 * The one shape of a configuration problem, shared by the server's environment, the gateway
 * model and the Pulumi stack config, so every front end prints problems the same way.
 */

/** One problem, located by the path of what is at fault (`apps[1].bypassPaths[0]`, `DEVICE_PORT`, `booxstream:vm.sshUser`). */
export interface ConfigIssue {
  readonly path: string;
  /** What is wrong, in words that say what to write instead. */
  readonly message: string;
  /** For an unknown key: the known key it most likely misspells. */
  readonly suggestion?: string;
}

/** `path: message; did you mean suggestion?` (`(root)` for the empty path). */
export function formatIssue(issue: ConfigIssue): string {
  const hint = issue.suggestion === undefined ? '' : `; did you mean ${issue.suggestion}?`;
  return `${issue.path || '(root)'}: ${issue.message}${hint}`;
}

/** `<what> (N problems):` then one indented line per issue. */
export function formatIssues(what: string, issues: readonly ConfigIssue[]): string {
  return (
    `${what} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` + issues.map((i) => `  - ${formatIssue(i)}`).join('\n')
  );
}

/** Prefixes every issue's path (`gateway` + `apps[0]` → `gateway.apps[0]`; `[0]` stays attached). */
export function prefixIssues(prefix: string, issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues.map((i) => ({ ...i, path: joinPath(prefix, i.path) }));
}

/** Joins a path and a child: a key with `.`, an index or a bracketed path as is. */
export function joinPath(path: string, child: string | number): string {
  if (typeof child === 'number') return `${path}[${child}]`;
  if (child === '') return path;
  if (path === '' || child.startsWith('[')) return `${path}${child}`;
  return `${path}.${child}`;
}
