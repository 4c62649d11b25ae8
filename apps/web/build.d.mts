/** Types of build.mjs, for the tests and scripts that call it. */

/** Sizes in bytes of the files a browser downloads. */
export type BuildSizes = Record<'index.html' | 'app.js' | 'app.css', number>;

/** Builds the viewer app into `outdir` (default `dist/`), replacing what was there. */
export function buildWeb(options?: { outdir?: string }): Promise<BuildSizes>;
