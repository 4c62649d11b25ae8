/**
 * The timeline under a live view: a slider over the device's kept frames
 * (the last day), step buttons, the kept frame's time, "Live" to go back, and
 * downloads of the range from the start of the timeline to the shown frame.
 */
import { historyExportUrl, historyFrameUrl, listHistory, type HistoryEntry } from './api.js';
import { button, el, setText } from './dom.js';

/** How far back the timeline reaches. */
const TIMELINE_MS = 24 * 3_600_000;

export interface HistoryPanelHandlers {
  /** Show this kept frame instead of the live screen. */
  show(entry: HistoryEntry, image: ImageBitmap): void;
  /** Back to the live screen. */
  live(): void;
}

export interface HistoryPanel {
  readonly element: HTMLElement;
  /** Loads the timeline (again) and opens it at the newest kept frame. */
  open(): Promise<void>;
  close(): void;
  destroy(): void;
}

export function formatTime(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function mountHistoryPanel(uuid: string, handlers: HistoryPanelHandlers): HistoryPanel {
  const slider = el('input', { className: 'timeline', attrs: { type: 'range', min: '0', max: '0', step: '1', 'aria-label': 'Point in the history' } });
  const when = el('span', { className: 'timeline-time', attrs: { 'aria-live': 'polite' } });
  const older = button('◀ Older', () => step(-1));
  const newer = button('Newer ▶', () => step(1));
  const liveButton = button('Back to live', () => backToLive(), 'button button-primary');
  const zip = el('a', { className: 'button', text: 'Download ZIP', attrs: { download: '' } });
  const pdf = el('a', { className: 'button', text: 'Download PDF', attrs: { download: '' } });
  const element = el('div', { className: 'history', attrs: { role: 'group', 'aria-label': 'History' } },
    el('div', { className: 'history-row' }, older, slider, newer),
    el('div', { className: 'history-row' }, when, liveButton, zip, pdf));
  element.hidden = true;

  let entries: HistoryEntry[] = [];
  let shown = -1;
  let loadToken = 0;
  let abort: AbortController | null = null;

  const step = (delta: number): void => {
    if (entries.length === 0) return;
    select(Math.min(entries.length - 1, Math.max(0, shown + delta)));
  };

  const select = (index: number): void => {
    const entry = entries[index];
    if (!entry) return;
    shown = index;
    slider.value = String(index);
    setText(when, `${formatTime(entry.at)} · ${index + 1} of ${entries.length}`);
    older.disabled = index === 0;
    newer.disabled = index === entries.length - 1;
    zip.href = historyExportUrl(uuid, entries[0]!.at, entry.at, 'zip');
    pdf.href = historyExportUrl(uuid, entries[0]!.at, entry.at, 'pdf');
    const token = ++loadToken;
    void fetch(historyFrameUrl(uuid, entry.id), { credentials: 'same-origin', redirect: 'manual' })
      .then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const image = await createImageBitmap(await res.blob());
        // A newer choice while this one loaded wins; this bitmap is not needed.
        if (token !== loadToken || element.hidden) {
          image.close();
          return;
        }
        handlers.show(entry, image);
      })
      .catch(() => {
        if (token === loadToken) setText(when, `${formatTime(entry.at)} · this frame is no longer kept`);
      });
  };

  slider.addEventListener('input', () => select(Number(slider.value)));

  const backToLive = (): void => {
    close();
    handlers.live();
  };

  const open = async (): Promise<void> => {
    element.hidden = false;
    abort?.abort();
    abort = new AbortController();
    setText(when, 'Loading the history…');
    try {
      entries = await listHistory(uuid, Date.now() - TIMELINE_MS, 5000, abort.signal);
    } catch {
      if (abort.signal.aborted) return;
      setText(when, 'The history could not be loaded.');
      return;
    }
    slider.max = String(Math.max(0, entries.length - 1));
    slider.disabled = entries.length === 0;
    if (entries.length === 0) {
      setText(when, 'Nothing kept in the last day yet.');
      older.disabled = newer.disabled = true;
      return;
    }
    select(entries.length - 1);
  };

  const close = (): void => {
    element.hidden = true;
    loadToken++;
    abort?.abort();
  };

  return { element, open, close, destroy: close };
}
