/**
 * Share links of a device, for its owner or an admin: create one (expiry,
 * viewer limit), copy it, see who-many watch, revoke it.
 */
import { ApiError, createShare, listShares, revokeShare, type ShareView } from './api.js';
import { button, el, setText } from './dom.js';
import { formatTime } from './history-panel.js';

const EXPIRIES: readonly [string, number][] = [['1 hour', 1], ['24 hours', 24], ['7 days', 168], ['30 days', 720]];

export interface SharePanel {
  readonly element: HTMLElement;
  open(): Promise<void>;
  close(): void;
}

export function mountSharePanel(uuid: string): SharePanel {
  const expiry = el('select', { attrs: { 'aria-label': 'Link expires after' } });
  for (const [label, hours] of EXPIRIES) {
    const option = el('option', { text: label, attrs: { value: String(hours) } });
    if (hours === 24) option.selected = true;
    expiry.append(option);
  }
  const limit = el('input', { attrs: { type: 'number', min: '1', max: '50', placeholder: 'no limit', 'aria-label': 'Most viewers at once' } });
  const create = button('Create link', () => void onCreate(), 'button button-primary');
  const created = el('input', { className: 'share-url', attrs: { readonly: '', 'aria-label': 'New share link' } });
  const copy = button('Copy', () => void navigator.clipboard?.writeText(created.value).catch(() => created.select()));
  const createdRow = el('div', { className: 'history-row' }, created, copy);
  createdRow.hidden = true;
  const message = el('p', { className: 'share-message', attrs: { 'aria-live': 'polite' } });
  const list = el('ul', { className: 'share-list' });
  const element = el('div', { className: 'shares', attrs: { role: 'group', 'aria-label': 'Share links' } },
    el('div', { className: 'history-row' },
      el('label', { text: 'Expires after ' }, expiry),
      el('label', { text: 'Viewers at most ' }, limit),
      create),
    createdRow, message, list);
  element.hidden = true;

  const refresh = async (): Promise<void> => {
    try {
      render(await listShares(uuid));
    } catch (err) {
      setText(message, err instanceof ApiError ? err.message : 'The links could not be loaded.');
    }
  };

  const render = (shares: readonly ShareView[]): void => {
    list.replaceChildren(...shares.slice().reverse().map((s) => {
      const state = s.state === 'active' ? `active until ${formatTime(s.expiresAt)}, ${s.viewers ?? 0} watching` : s.state;
      const item = el('li', { className: `share-item is-${s.state}` },
        el('span', { text: `Link ${s.id.slice(0, 6)}… · ${state}${s.maxViewers ? ` (at most ${s.maxViewers})` : ''}` }));
      if (s.state === 'active') {
        item.append(button('Revoke', () => void revokeShare(uuid, s.id).then(refresh, refresh), 'button button-danger'));
      }
      return item;
    }));
  };

  const onCreate = async (): Promise<void> => {
    create.disabled = true;
    setText(message, '');
    try {
      const max = limit.value.trim() === '' ? null : Number(limit.value);
      const share = await createShare(uuid, Number(expiry.value), max);
      created.value = share.url ?? '';
      createdRow.hidden = false;
      setText(message, 'Anyone with this link can watch this device, read-only, until it expires or you revoke it. It is shown only now.');
      await refresh();
    } catch (err) {
      setText(message, err instanceof ApiError ? err.message : 'The link could not be created.');
    } finally {
      create.disabled = false;
    }
  };

  return {
    element,
    async open() {
      element.hidden = false;
      await refresh();
    },
    close() {
      element.hidden = true;
      createdRow.hidden = true;
      created.value = '';
    },
  };
}
