/**
 * The host list: every device this user may see, polled every few seconds,
 * with approve / revoke / delete for admins. Cards are keyed by uuid and
 * updated in place, so a poll never steals keyboard focus from a button.
 */
import type { HostView } from '@booxstream/protocol/api';
import { approveHost, confirmNetwork, deleteHost, dismissNetwork, isSignedOut, listHosts, revokeHost, UnreachableError } from './api.js';
import { button, el, setText } from './dom.js';
import { formatAge } from './overlay.js';
import { hostHref } from './router.js';
import type { Session } from './session.js';

/** [pollMs=3000] */
export interface HostListOptions {
  readonly pollMs?: number;
}

/** A device's display name: its own, or a short uuid when it has none. */
export function hostLabel(host: Pick<HostView, 'name' | 'uuid'>): string {
  const name = host.name?.trim();
  return name ? name : `Unnamed device ${host.uuid.slice(0, 8)}`;
}

/** Words for a status, never a colour alone (the list is read on e-ink too). */
export function statusLabel(status: HostView['status']): string {
  switch (status) {
    case 'pending':
      return 'Pending approval';
    case 'approved':
      return 'Approved';
    case 'revoked':
      return 'Revoked';
  }
}

/** Pending devices and re-registrations waiting for confirmation first (they need someone), then by name. */
export function sortHosts(hosts: readonly HostView[]): HostView[] {
  const rank = (h: HostView): number => (h.status === 'pending' || h.reregistration ? 0 : h.status === 'approved' ? 1 : 2);
  return [...hosts].sort((a, b) => rank(a) - rank(b) || hostLabel(a).localeCompare(hostLabel(b)));
}

/** The card's note about a re-registration from a new network, or null when none waits. */
export function reregistrationNote(host: Pick<HostView, 'reregistration'>, now: number): string | null {
  const r = host.reregistration;
  if (!r) return null;
  return `Registered again from a new network (${r.network}) ${formatAge((now - r.at) / 1000)}. `
    + 'If this was your tablet, confirm it; until then the tablet keeps using its current connection and the new one is refused.';
}

/** Mounts the list into `root`; returns the unmount function. */
export function mountHostList(root: HTMLElement, session: Session, options: HostListOptions = {}): () => void {
  const pollMs = options.pollMs ?? 3000;
  const heading = el('h1', { text: 'Devices', attrs: { tabindex: '-1' } });
  const notice = el('div', { className: 'notice', attrs: { role: 'status', 'aria-live': 'polite' } });
  notice.hidden = true;
  const list = el('ul', { className: 'hosts', attrs: { 'aria-label': 'Devices' } });
  const empty = el('p', {
    className: 'empty',
    text: 'No devices yet. Start BooxStream on the tablet: it shows up here, and an admin approves it.',
  });
  empty.hidden = true;
  const page = el('section', { className: 'page' }, heading, notice, list, empty);
  root.replaceChildren(page);
  document.title = 'Devices — BooxStream';

  const cards = new Map<string, HostCard>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  let inFlight: AbortController | null = null;

  const showNotice = (title: string, detail: string, action?: HTMLButtonElement): void => {
    notice.hidden = false;
    notice.replaceChildren(el('p', { className: 'notice-title', text: title }), el('p', { text: detail }));
    if (action) notice.append(action);
  };

  const refresh = async (): Promise<void> => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    try {
      const hosts = await listHosts(controller.signal);
      if (stopped || controller.signal.aborted) return;
      notice.hidden = true;
      render(hosts);
      if (session.current.kind !== 'signed-in') void session.refresh();
    } catch (err) {
      if (stopped || controller.signal.aborted) return;
      if (isSignedOut(err)) {
        session.markSignedOut();
        showNotice('Not signed in', 'Sign in through the gateway to see your devices.',
          button('Sign in', () => location.reload(), 'button button-primary'));
      } else if (err instanceof UnreachableError) {
        showNotice('Server unreachable', 'Retrying every few seconds…');
      } else {
        showNotice('Could not load the devices', err instanceof Error ? err.message : String(err));
      }
    } finally {
      if (inFlight === controller) inFlight = null;
      if (!stopped) timer = setTimeout(() => void refresh(), pollMs);
    }
  };

  const render = (hosts: readonly HostView[]): void => {
    const now = Date.now();
    const seen = new Set<string>();
    let previous: HTMLElement | null = null;
    for (const host of sortHosts(hosts)) {
      seen.add(host.uuid);
      let card = cards.get(host.uuid);
      if (!card) {
        card = new HostCard(host.uuid, { approve: approveHost, revoke: revokeHost, remove: deleteHost, confirmNetwork, dismissNetwork }, (removed) => {
          // The focused button goes away with its card: hand focus to the heading, not to nowhere.
          if (removed) heading.focus();
          void refresh();
        });
        cards.set(host.uuid, card);
      }
      card.update(host, now, session.admin);
      // Move only what is out of order: re-inserting a focused node would blur it.
      const wanted: ChildNode | null = previous ? previous.nextSibling : list.firstChild;
      if (wanted !== card.node) list.insertBefore(card.node, wanted);
      previous = card.node;
    }
    for (const [uuid, card] of cards) {
      if (!seen.has(uuid)) {
        card.node.remove();
        cards.delete(uuid);
      }
    }
    empty.hidden = hosts.length > 0;
  };

  const onVisible = (): void => {
    if (document.visibilityState === 'visible') void refresh();
  };
  document.addEventListener('visibilitychange', onVisible);
  const unsubscribe = session.subscribe(() => void refresh());
  void refresh();

  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    inFlight?.abort();
    unsubscribe();
    document.removeEventListener('visibilitychange', onVisible);
  };
}

interface HostActions {
  approve(uuid: string): Promise<unknown>;
  revoke(uuid: string): Promise<unknown>;
  remove(uuid: string): Promise<unknown>;
  /** `network`: the one the card showed, so a newer re-registration from elsewhere is not confirmed by mistake. */
  confirmNetwork(uuid: string, network: string): Promise<unknown>;
  dismissNetwork(uuid: string): Promise<unknown>;
}

const ACTION_WORDS: Record<keyof HostActions, string> = {
  approve: 'approve', revoke: 'revoke', remove: 'delete', confirmNetwork: 'confirm the new network of', dismissNetwork: 'dismiss the new network of',
};

/** One device's card. */
class HostCard {
  readonly node: HTMLLIElement;
  private readonly link: HTMLAnchorElement;
  private readonly status: HTMLElement;
  private readonly facts: Record<'owner' | 'stream' | 'viewers' | 'fps' | 'lastFrame', HTMLElement>;
  private readonly actions: HTMLElement;
  private readonly approveButton: HTMLButtonElement;
  private readonly revokeButton: HTMLButtonElement;
  private readonly deleteButton: HTMLButtonElement;
  private readonly error: HTMLElement;
  private readonly rereg: HTMLElement;
  private readonly reregText: HTMLElement;
  private readonly confirmButton: HTMLButtonElement;
  private readonly dismissButton: HTMLButtonElement;
  private label = '';
  private shownNetwork = '';
  private busy = false;

  constructor(
    private readonly uuid: string,
    private readonly api: HostActions,
    /** Called after every action; `removed` when the device was deleted. */
    private readonly changed: (removed: boolean) => void,
  ) {
    this.link = el('a', { className: 'host-link', attrs: { href: hostHref(uuid) } });
    this.status = el('span', { className: 'badge' });
    this.facts = { owner: el('dd'), stream: el('dd'), viewers: el('dd'), fps: el('dd'), lastFrame: el('dd') };
    const row = (term: string, dd: HTMLElement): HTMLElement => el('div', {}, el('dt', { text: term }), dd);
    this.approveButton = button('Approve', () => void this.act('approve'), 'button button-primary');
    this.revokeButton = button('Revoke', () => void this.act('revoke'));
    this.deleteButton = button('Delete', () => void this.act('remove'), 'button button-danger');
    this.actions = el('div', { className: 'host-actions' }, this.approveButton, this.revokeButton, this.deleteButton);
    this.error = el('p', { className: 'host-error', attrs: { role: 'alert' } });
    this.error.hidden = true;
    // Owners see it too: a card is only shown to the device's owner and to admins, who both may confirm.
    this.reregText = el('p', { className: 'host-rereg-text' });
    this.confirmButton = button('Confirm new network', () => void this.act('confirmNetwork'), 'button button-primary');
    this.dismissButton = button('Dismiss', () => void this.act('dismissNetwork'));
    this.rereg = el('div', { className: 'host-rereg', attrs: { role: 'note' } },
      this.reregText, el('div', { className: 'host-actions' }, this.confirmButton, this.dismissButton));
    this.rereg.hidden = true;
    this.node = el('li', { className: 'host', attrs: { 'data-uuid': uuid } },
      el('div', { className: 'host-head' }, el('h2', { className: 'host-name' }, this.link), this.status),
      el('dl', { className: 'host-facts' },
        row('Owner', this.facts.owner),
        row('Stream', this.facts.stream),
        row('Viewers', this.facts.viewers),
        row('FPS', this.facts.fps),
        row('Last frame', this.facts.lastFrame)),
      this.rereg,
      this.actions,
      this.error);
  }

  update(host: HostView, now: number, admin: boolean): void {
    this.label = hostLabel(host);
    setText(this.link, this.label);
    this.link.setAttribute('aria-label', `Watch ${this.label}`);
    setText(this.status, statusLabel(host.status));
    this.node.classList.toggle('is-pending', host.status === 'pending');
    this.node.classList.toggle('is-revoked', host.status === 'revoked');
    this.node.classList.toggle('is-streaming', host.streaming);
    setText(this.facts.owner, host.owner ?? '—');
    setText(this.facts.stream, host.streaming ? 'Streaming' : 'Not streaming');
    setText(this.facts.viewers, String(host.viewers));
    setText(this.facts.fps, host.streaming ? host.fps.toFixed(1) : '—');
    setText(this.facts.lastFrame, host.lastFrameAt === null ? 'never' : formatAge((now - host.lastFrameAt) / 1000));
    const note = reregistrationNote(host, now);
    this.rereg.hidden = note === null;
    this.node.classList.toggle('is-reregistered', note !== null);
    if (note !== null) setText(this.reregText, note);
    this.shownNetwork = host.reregistration?.network ?? '';
    this.actions.hidden = !admin;
    this.approveButton.hidden = host.status === 'approved';
    this.revokeButton.hidden = host.status !== 'approved';
    for (const b of this.buttons()) {
      b.setAttribute('aria-label', `${b.textContent ?? ''} ${this.label}`);
      b.disabled = this.busy;
    }
  }

  private async act(action: keyof HostActions): Promise<void> {
    if (action === 'remove'
      && !window.confirm(`Delete “${this.label}”? It disappears until the tablet registers again.`)) return;
    this.busy = true;
    this.error.hidden = true;
    for (const b of this.buttons()) b.disabled = true;
    let removed = false;
    try {
      await (action === 'confirmNetwork' ? this.api.confirmNetwork(this.uuid, this.shownNetwork) : this.api[action](this.uuid));
      removed = action === 'remove';
    } catch (err) {
      this.error.hidden = false;
      setText(this.error, `Could not ${ACTION_WORDS[action]} ${this.label}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.busy = false;
      for (const b of this.buttons()) b.disabled = false;
      if (removed) this.node.remove();
      this.changed(removed);
    }
  }

  private buttons(): HTMLButtonElement[] {
    return [this.approveButton, this.revokeButton, this.deleteButton, this.confirmButton, this.dismissButton];
  }
}
