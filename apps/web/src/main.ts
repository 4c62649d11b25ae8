/**
 * Entry point of the viewer app: the sign-in line in the header, and one view
 * at a time in `<main>` chosen by the hash route.
 */
import { mountHostList } from './host-list.js';
import { mountLiveView } from './live-view.js';
import { shareLinkOf, watchRoute, type Route } from './router.js';
import { describeSession, Session } from './session.js';

function start(): void {
  const main = document.getElementById('main');
  const whoami = document.getElementById('whoami');
  if (!main || !whoami) throw new Error('index.html lacks #main or #whoami');

  const share = shareLinkOf(location);
  if (share) {
    // A share link: one device, read-only, no account. Nothing here asks the API who we are.
    whoami.textContent = 'Shared view (read-only)';
    whoami.dataset.state = 'shared';
    mountLiveView(main, '', new Session(), share);
    return;
  }

  const session = new Session();
  session.subscribe((state) => {
    whoami.textContent = describeSession(state);
    whoami.dataset.state = state.kind;
  });
  void session.refresh();

  let unmount: (() => void) | null = null;
  let first = true;
  watchRoute((route: Route) => {
    unmount?.();
    unmount = route.name === 'host' ? mountLiveView(main, route.uuid, session) : mountHostList(main, session);
    // Move focus to the new page's heading so keyboard and screen-reader users start there;
    // not on first load, where the browser's own start of the page is right.
    if (!first) main.querySelector<HTMLElement>('h1')?.focus();
    first = false;
  });
}

start();
