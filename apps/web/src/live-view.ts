/**
 * A host's live view: frames from the viewer WebSocket decoded and drawn on a
 * canvas that fits the window, a stats overlay, full screen, and a banner for
 * every state that is not "frames flowing".
 */
import type { HostView } from '@booxstream/protocol/api';
import { decodeViewerFrameHeader, ViewerFrameKind, type ViewerEvent } from '@booxstream/protocol/viewer';
import { isSignedOut, listHosts, shareStreamUrl, streamUrl, UnreachableError } from './api.js';
import { FramePipeline, type DecodedImage, type DecoderChoice, type FrameMeta } from './decoder.js';
import { button, el, setText } from './dom.js';
import { mountHistoryPanel } from './history-panel.js';
import { loadDataSaver, PatchCompositor, saveDataSaver } from './patch-compositor.js';
import { mountSharePanel } from './share-panel.js';
import { hostLabel } from './host-list.js';
import { formatOverlay, StreamMeter } from './overlay.js';
import { LIST_HREF, type ShareLink } from './router.js';
import type { Session } from './session.js';
import { StreamSocket, type SocketStatus } from './stream-socket.js';
import { describeLive, type Banner, type LiveFacts } from './view-state.js';
import { describePrefs, layoutScreen, loadPrefs, nextFit, nextRotation, savePrefs, type ViewPrefs } from './view-transform.js';


function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

// The race result holds for the page's lifetime: the browser does not change.
let decoderChoice: DecoderChoice | undefined;

/**
 * Mounts the live view of `uuid` into `root`; returns the unmount function.
 * With `share`, it is the read-only view a share link opens: no account, no
 * device list, no history or sharing, only the screen.
 */
export function mountLiveView(root: HTMLElement, uuid: string, session: Session, share: ShareLink | null = null): () => void {
  const title = el('h1', { className: 'live-title', text: share ? 'Shared screen' : 'Device', attrs: { tabindex: '-1' } });
  const back = el('a', { className: 'button', text: '← Devices', attrs: { href: LIST_HREF } });
  back.hidden = share !== null;
  const prefsKey = share ? `share:${share.id}` : uuid;
  let prefs: ViewPrefs = loadPrefs(storage(), prefsKey);
  const rotateButton = button('', () => setPrefs({ ...prefs, rotation: nextRotation(prefs.rotation) }));
  rotateButton.setAttribute('aria-keyshortcuts', 'r');
  const fitButton = button('', () => setPrefs({ ...prefs, fit: nextFit(prefs.fit) }));
  const history = share ? null : mountHistoryPanel(uuid, {
    show: (entry, image) => showHistoryFrame(entry.id, image),
    live: () => leaveHistory(),
  });
  let dataSaver = loadDataSaver(storage(), location.hostname);
  const saverButton = button('', () => setDataSaver(!dataSaver));
  saverButton.title = 'Only the parts of the screen that changed are sent: far fewer bytes while someone writes.';
  const historyButton = button('History', () => void toggleHistory());
  historyButton.setAttribute('aria-pressed', 'false');
  historyButton.hidden = share !== null;
  const shares = share ? null : mountSharePanel(uuid);
  const shareButton = button('Share', () => void toggleShares());
  shareButton.setAttribute('aria-pressed', 'false');
  shareButton.hidden = share !== null;
  const statsButton = button('Stats', () => toggleStats());
  statsButton.setAttribute('aria-pressed', 'true');
  statsButton.setAttribute('aria-keyshortcuts', 's');
  const fullButton = button('Full screen', () => void toggleFullscreen());
  fullButton.setAttribute('aria-keyshortcuts', 'f');
  fullButton.hidden = !document.fullscreenEnabled;

  const canvas = el('canvas', { className: 'screen', attrs: { role: 'img', 'aria-label': 'Live screen' } });
  canvas.hidden = true;
  // The frame takes the rotated screen's room, so "fit width" scrolls the stage instead of clipping.
  const frame = el('div', { className: 'screen-frame' }, canvas);
  const overlay = el('div', { className: 'overlay', attrs: { 'aria-label': 'Stream statistics' } });
  const bannerTitle = el('p', { className: 'banner-title' });
  const bannerDetail = el('p', { className: 'banner-detail' });
  const bannerAction = el('div', { className: 'banner-action' });
  const banner = el('div', { className: 'banner', attrs: { role: 'status', 'aria-live': 'polite' } },
    bannerTitle, bannerDetail, bannerAction);
  const stage = el('div', { className: 'stage' }, frame, overlay, banner);
  const help = el('p', { className: 'live-help', text: share ? 'Keys: F full screen · S stats · R rotate' : 'Keys: F full screen · S stats · R rotate · Esc back to the list' });
  const view = el('section', { className: 'live' },
    el('div', { className: 'live-bar' }, back, title,
      el('div', { className: 'live-buttons' }, rotateButton, fitButton, saverButton, historyButton, shareButton, statsButton, fullButton)),
    stage,
    ...(history ? [history.element] : []),
    ...(shares ? [shares.element] : []),
    help);
  root.replaceChildren(view);
  document.body.classList.add('is-live');

  const ctx = canvas.getContext('2d', { alpha: false });
  const meter = new StreamMeter();
  if (decoderChoice) meter.decoder = decoderChoice.kind;
  let label = 'Device';
  let facts: LiveFacts = {
    socket: { state: 'connecting', attempt: 0, closeCode: null, closeReason: '', everOpened: false, retryInMs: null },
    hostStatus: null,
    streaming: null,
    signedOut: false,
    hostMissing: false,
    hasFrame: false,
    admin: session.admin,
  };
  let shownBanner: Banner | null | undefined;
  let lastSeq: number | null = null;
  let stopped = false;
  let probing = false;
  /** While a kept frame is shown, live frames are held (the newest only) instead of painted. */
  let inHistory = false;
  let heldFrame: { jpeg: Uint8Array<ArrayBuffer>; meta: FrameMeta } | null = null;

  const setLabel = (host: HostView): void => {
    label = hostLabel(host);
    setText(title, label);
    canvas.setAttribute('aria-label', `Live screen of ${label}`);
    document.title = `${label} — BooxStream`;
  };

  const update = (change: Partial<LiveFacts>): void => {
    facts = { ...facts, ...change, admin: session.admin };
    renderBanner(describeLive(facts));
  };

  const renderBanner = (next: Banner | null): void => {
    const same = shownBanner !== undefined
      && (next === null ? shownBanner === null
        : shownBanner !== null && shownBanner.title === next.title && shownBanner.detail === next.detail && shownBanner.action === next.action);
    if (same) return;
    shownBanner = next;
    banner.hidden = next === null;
    view.dataset.state = next?.kind ?? 'live';
    // The canvas shows once there is a frame; before that the banner stands alone, never a blank canvas.
    // A share that ended shows nothing more of the screen, not even its last frame.
    canvas.hidden = !facts.hasFrame || next?.kind === 'share-ended';
    if (next?.kind === 'share-ended') ctx?.clearRect(0, 0, canvas.width, canvas.height);
    if (next === null) return;
    setText(bannerTitle, next.title);
    setText(bannerDetail, next.detail);
    bannerAction.replaceChildren();
    // A navigation, unlike the API's fetches, follows the gateway's redirect to its sign-in page and back.
    if (next.action === 'sign-in') bannerAction.append(button('Sign in again', () => location.reload(), 'button button-primary'));
    if (next.action === 'retry') bannerAction.append(button('Retry now', () => socket.retryNow()));
    if (next.action === 'back') bannerAction.append(el('a', { className: 'button', text: 'Back to the list', attrs: { href: LIST_HREF } }));
  };

  /** Asks the API what the socket cannot say: a refused upgrade arrives as a bare 1006. */
  const probe = async (): Promise<void> => {
    if (probing) return;
    probing = true;
    if (share) {
      // A share viewer has no API to ask; its own page answers 404 or 410 once the link has ended.
      try {
        const res = await fetch(location.pathname, { method: 'HEAD', cache: 'no-store', credentials: 'omit' });
        if (!stopped && (res.status === 404 || res.status === 410)) update({ shareEnded: true });
      } catch {
        // Unreachable: the socket's own retries say so.
      } finally {
        probing = false;
      }
      return;
    }
    try {
      const hosts = await listHosts();
      if (stopped) return;
      const host = hosts.find((h) => h.uuid === uuid);
      if (host) setLabel(host);
      update({
        signedOut: false,
        hostMissing: host === undefined,
        hostStatus: host?.status ?? null,
        streaming: host?.streaming ?? facts.streaming,
      });
    } catch (err) {
      if (stopped) return;
      if (isSignedOut(err)) {
        // The gateway will refuse every reconnect until the person signs in again: stop retrying.
        socket.suspend('Sign-in needed');
        session.markSignedOut();
        update({ signedOut: true });
      } else if (!(err instanceof UnreachableError)) {
        update({});
      }
    } finally {
      probing = false;
    }
  };

  const sizeCanvas = (width: number, height: number): void => {
    if (canvas.width === width && canvas.height === height) return;
    canvas.width = width;
    canvas.height = height;
    meter.width = width;
    meter.height = height;
    fit();
  };

  const paint = (image: DecodedImage, meta: FrameMeta, decodeMs: number): void => {
    // A live frame decoded while a kept one went up: the kept one stays (leaving the history repaints live).
    if (!ctx || inHistory) return;
    sizeCanvas(image.width, image.height);
    ctx.drawImage(image.source, 0, 0);
    meter.recordPaint(performance.now(), Date.now(), meta.hostTs, decodeMs);
    if (!facts.hasFrame) {
      update({ hasFrame: true });
      renderOverlay();
    }
  };

  const pipeline = new FramePipeline<FrameMeta>({
    paint,
    onDecoderChosen: (choice) => {
      decoderChoice = choice;
      meter.decoder = choice.kind;
    },
  }, decoderChoice);

  const onFrame = (data: ArrayBuffer): void => {
    const now = performance.now();
    let header;
    try {
      header = decodeViewerFrameHeader(data);
    } catch {
      meter.recordReceived(data.byteLength, now, Date.now(), Number.NaN);
      return; // A newer protocol version or a torn message: skip it, the next frame replaces it.
    }
    meter.recordReceived(data.byteLength, now, Date.now(), header.serverTs);
    if (header.kind === ViewerFrameKind.Patch) {
      if (lastSeq !== null && header.seq > lastSeq + 1 && header.seq - lastSeq < 10_000) meter.dropped += header.seq - lastSeq - 1;
      lastSeq = header.seq;
      try {
        compositor.pushPatch(data, header.headerLength, { seq: header.seq, serverTs: header.serverTs, hostTs: header.hostTs, receivedAt: now });
      } catch {
        // A malformed patch: the next whole frame repairs the screen.
      }
      return;
    }
    if (header.kind !== ViewerFrameKind.Jpeg) return;
    // A gap in seq means the relay skipped frames for us (we were slow, or joined late).
    if (lastSeq !== null && header.seq > lastSeq + 1 && header.seq - lastSeq < 10_000) meter.dropped += header.seq - lastSeq - 1;
    lastSeq = header.seq;
    if (facts.streaming !== true && facts.hostStatus !== 'revoked') update({ streaming: true });
    const jpeg = new Uint8Array(data, header.headerLength);
    const meta: FrameMeta = { seq: header.seq, serverTs: header.serverTs, hostTs: header.hostTs, receivedAt: now };
    lastLive = { jpeg, meta };
    // Data saver: patches build on every whole frame, so all go through the compositor, in order.
    if (dataSaver) compositor.pushFrame(jpeg, meta);
    // A hidden tab decodes nothing (phones save battery); it keeps the newest frame for when it shows again.
    else if (inHistory) heldFrame = { jpeg, meta };
    else if (document.hidden) hiddenFrame = { jpeg, meta };
    else pipeline.push(jpeg, meta);
  };
  let hiddenFrame: { jpeg: Uint8Array<ArrayBuffer>; meta: FrameMeta } | null = null;
  /** The newest live frame, to repaint when leaving the history. */
  let lastLive: { jpeg: Uint8Array<ArrayBuffer>; meta: FrameMeta } | null = null;
  const onVisibility = (): void => {
    if (document.hidden || !hiddenFrame) return;
    pipeline.push(hiddenFrame.jpeg, hiddenFrame.meta);
    hiddenFrame = null;
  };
  document.addEventListener('visibilitychange', onVisibility);

  const onEvent = (event: ViewerEvent): void => {
    switch (event.type) {
      case 'status':
        update({ hostStatus: event.status, streaming: event.streaming, hostMissing: false, signedOut: false });
        break;
      case 'stats':
        // The overlay measures what this viewer gets itself; from the server it only takes the audience.
        meter.viewers = event.viewers;
        break;
      case 'error':
        setText(bannerDetail, event.message);
        break;
    }
  };

  const onStatus = (status: SocketStatus): void => {
    if (status.state !== 'live') lastSeq = null;
    update({ socket: status, ...(status.state === 'live' ? { signedOut: false, hostMissing: false } : {}) });
    const refused = !status.everOpened || status.closeCode === 4003 || status.closeCode === 4004 || status.closeCode === 4005;
    if ((status.state === 'reconnecting' && status.retryInMs !== null && refused) || status.state === 'stopped') void probe();
  };

  // With data saver on, the screen lives here and the canvas shows it (or a kept frame, in history).
  const liveScreen = document.createElement('canvas');
  const liveCtx = liveScreen.getContext('2d', { alpha: false });
  const present = (meta: FrameMeta, decodeMs: number): void => {
    meter.recordPaint(performance.now(), Date.now(), meta.hostTs, decodeMs);
    if (inHistory || !ctx) return;
    sizeCanvas(liveScreen.width, liveScreen.height);
    ctx.drawImage(liveScreen, 0, 0);
    if (!facts.hasFrame) {
      update({ hasFrame: true });
      renderOverlay();
    }
  };
  const compositor = new PatchCompositor({
    drawFrame: (image, meta, decodeMs) => {
      if (!liveCtx) return;
      if (liveScreen.width !== image.width || liveScreen.height !== image.height) {
        liveScreen.width = image.width;
        liveScreen.height = image.height;
      }
      liveCtx.drawImage(image.source, 0, 0);
      present(meta, decodeMs);
    },
    drawPatch: (images, meta, decodeMs) => {
      if (!liveCtx) return;
      for (const { x, y, image } of images) liveCtx.drawImage(image, x, y);
      present(meta, decodeMs);
    },
  });
  const openSocket = (): StreamSocket => {
    const query = dataSaver ? '?patches=1' : '';
    return share
      ? new StreamSocket(shareStreamUrl(share.id) + query, { onFrame, onEvent, onStatus }, { protocols: ['booxstream.share', `s.${share.secret}`] })
      : new StreamSocket(streamUrl(uuid) + query, { onFrame, onEvent, onStatus });
  };
  let socket = openSocket();
  const setDataSaver = (on: boolean): void => {
    dataSaver = on;
    saveDataSaver(storage(), on);
    setText(saverButton, on ? 'Data saver: on' : 'Data saver: off');
    saverButton.setAttribute('aria-pressed', String(on));
    meter.decoder = on ? 'data saver (patches)' : decoderChoice?.kind ?? null;
    view.dataset.dataSaver = on ? 'on' : 'off';
    // The relay decides per connection: reopen with the new choice (a whole frame comes first).
    if (!stopped) {
      socket.close();
      lastSeq = null;
      socket = openSocket();
    }
  };
  setText(saverButton, dataSaver ? 'Data saver: on' : 'Data saver: off');
  saverButton.setAttribute('aria-pressed', String(dataSaver));
  view.dataset.dataSaver = dataSaver ? 'on' : 'off';
  if (dataSaver) meter.decoder = 'data saver (patches)';
  void probe();

  // Fit to the window in the viewer's rotation and fit mode, keeping the aspect ratio.
  const fit = (): void => {
    if (canvas.width === 0 || canvas.height === 0) return;
    const box = stage.getBoundingClientRect();
    const layout = layoutScreen({ width: box.width, height: box.height }, { width: canvas.width, height: canvas.height }, prefs);
    canvas.style.width = `${layout.width}px`;
    canvas.style.height = `${layout.height}px`;
    canvas.style.transform = layout.transform;
    frame.style.width = `${layout.frameWidth}px`;
    frame.style.height = `${layout.frameHeight}px`;
    stage.classList.toggle('is-scrolling', prefs.fit !== 'page');
  };

  const setPrefs = (next: ViewPrefs): void => {
    prefs = next;
    savePrefs(storage(), prefsKey, prefs);
    const labels = describePrefs(prefs);
    setText(rotateButton, labels.rotate);
    setText(fitButton, labels.fit);
    view.dataset.rotation = String(prefs.rotation);
    view.dataset.fit = prefs.fit;
    fit();
  };
  setPrefs(prefs);

  const showHistoryFrame = (id: number, image: ImageBitmap): void => {
    inHistory = true;
    view.dataset.history = 'on';
    // Which kept frame is on the canvas (for people's tools and the tests, which wait for it).
    view.dataset.historyId = String(id);
    if (ctx) {
      sizeCanvas(image.width, image.height);
      ctx.drawImage(image, 0, 0);
    }
    image.close();
    if (!facts.hasFrame) update({ hasFrame: true });
  };

  const leaveHistory = (): void => {
    inHistory = false;
    delete view.dataset.history;
    delete view.dataset.historyId;
    historyButton.setAttribute('aria-pressed', 'false');
    if (dataSaver) {
      // The compositor kept building the live screen meanwhile: show it.
      if (ctx && liveScreen.width > 0) {
        sizeCanvas(liveScreen.width, liveScreen.height);
        ctx.drawImage(liveScreen, 0, 0);
      }
      heldFrame = null;
      return;
    }
    // The newest live frame that arrived meanwhile, or the one shown before.
    const held = heldFrame ?? lastLive;
    heldFrame = null;
    if (held) pipeline.push(held.jpeg.slice(), held.meta);
  };

  const toggleHistory = async (): Promise<void> => {
    if (!history) return;
    if (!history.element.hidden) {
      history.close();
      leaveHistory();
      return;
    }
    historyButton.setAttribute('aria-pressed', 'true');
    await history.open();
  };

  const toggleShares = async (): Promise<void> => {
    if (!shares) return;
    const opening = shares.element.hidden;
    shareButton.setAttribute('aria-pressed', String(opening));
    if (opening) await shares.open();
    else shares.close();
  };
  const resizeObserver = new ResizeObserver(() => fit());
  resizeObserver.observe(stage);

  // The overlay refreshes twice a second, not per frame: it is for reading, and e-ink redraws are costly.
  const renderOverlay = (): void => {
    // Nothing to measure before the first frame; the banner says why.
    overlay.classList.toggle('is-empty', !facts.hasFrame);
    const lines = formatOverlay(meter.snapshot(performance.now()));
    const nodes = overlay.children;
    for (let i = 0; i < lines.length; i++) {
      const node = nodes[i] ?? overlay.appendChild(el('span'));
      setText(node, lines[i] as string);
    }
  };
  renderOverlay();
  const overlayTimer = setInterval(renderOverlay, 500);

  const toggleStats = (): void => {
    overlay.hidden = !overlay.hidden;
    statsButton.setAttribute('aria-pressed', String(!overlay.hidden));
  };

  const toggleFullscreen = async (): Promise<void> => {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await stage.requestFullscreen({ navigationUI: 'hide' });
    } catch {
      // Refused (no user gesture, or an iframe without allowfullscreen): the button simply does nothing.
    }
  };
  const onFullscreenChange = (): void => {
    const on = document.fullscreenElement === stage;
    setText(fullButton, on ? 'Exit full screen' : 'Full screen');
    fit();
  };
  document.addEventListener('fullscreenchange', onFullscreenChange);

  const onKey = (ev: KeyboardEvent): void => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
    const target = ev.target as HTMLElement | null;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (ev.key === 'f' || ev.key === 'F') {
      ev.preventDefault();
      void toggleFullscreen();
    } else if (ev.key === 's' || ev.key === 'S') {
      ev.preventDefault();
      toggleStats();
    } else if (ev.key === 'r' || ev.key === 'R') {
      ev.preventDefault();
      setPrefs({ ...prefs, rotation: nextRotation(prefs.rotation) });
    } else if (ev.key === 'Escape' && !document.fullscreenElement && !share) {
      ev.preventDefault();
      location.hash = LIST_HREF;
    }
  };
  document.addEventListener('keydown', onKey);
  const unsubscribe = session.subscribe((state) => {
    // Signed in again (in another tab, say): resume the stream the sign-out paused.
    if (state.kind === 'signed-in' && facts.signedOut) {
      update({ signedOut: false });
      socket.retryNow();
    } else {
      update({});
    }
  });
  const onFocus = (): void => {
    if (facts.signedOut) void session.refresh();
  };
  window.addEventListener('focus', onFocus);

  renderBanner(describeLive(facts));

  return () => {
    stopped = true;
    history?.destroy();
    compositor.stop();
    socket.close();
    pipeline.stop();
    clearInterval(overlayTimer);
    resizeObserver.disconnect();
    unsubscribe();
    window.removeEventListener('focus', onFocus);
    document.removeEventListener('keydown', onKey);
    document.removeEventListener('fullscreenchange', onFullscreenChange);
    document.removeEventListener('visibilitychange', onVisibility);
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    document.body.classList.remove('is-live');
  };
}
