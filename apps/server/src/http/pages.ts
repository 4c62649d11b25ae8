/**
 * Small self-contained HTML pages for people who reach the server without a
 * usable web app: not signed in, or the web app not built yet.
 */
function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · BooxStream</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}</style>
</head><body><h1>${title}</h1>${body}</body></html>
`;
}

export const SIGN_IN_PAGE = page(
  'Sign in through the gateway',
  `<p>BooxStream shows tablet screens only to signed-in users. This request did not come through the sign-in gateway, so nobody is signed in.</p>
<p>Open BooxStream at its gateway address (the one behind single sign-on) and sign in there.</p>
<p>Running it on your own machine? Start the server with <code>HOST=127.0.0.1 DEV_USER=yourname</code> for a local identity.</p>`,
);

export const NOT_BUILT_PAGE = page(
  'The web app is not built',
  `<p>The server is running, but the viewer web app has not been built, so there is nothing to show here yet.</p>
<p>Build it with <code>pnpm --filter @booxstream/web build</code>, then reload this page (or set <code>WEB_ROOT</code> to the directory that holds its <code>index.html</code>).</p>`,
);

export const SHARE_ENDED_PAGE = page(
  'This share link has ended',
  `<p>The link you opened was revoked by its owner or has expired, so it shows nothing any more.</p>
<p>Ask whoever shared the screen for a new link.</p>`,
);
