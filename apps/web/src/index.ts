/**
 * @booxstream/web as a Node package: where the built app lives, for a server or
 * tool that wants to serve it. The app itself is `src/main.ts`, bundled by
 * `build.mjs` into this directory; nothing here runs in the browser.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of `apps/web/dist/` (index.html, app.js, app.css), filled by `pnpm --filter @booxstream/web build`. */
export const WEB_DIST_DIR: string = fileURLToPath(new URL('../dist/', import.meta.url));
