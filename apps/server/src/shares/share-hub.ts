/**
 * Live share viewers: which sockets watch through which share, so that revoking
 * a share or reaching its expiry closes them at once, and a viewer limit holds.
 */
import { CloseCode } from '@booxstream/protocol';
import type { WebSocket } from 'ws';

export class ShareHub {
  readonly #sockets = new Map<string, Set<WebSocket>>();
  readonly #timers = new Map<string, NodeJS.Timeout>();

  count(shareId: string): number {
    return this.#sockets.get(shareId)?.size ?? 0;
  }

  /** Tracks a socket until it closes; closes it (and the share's others) at `expiresAt`. */
  add(shareId: string, expiresAt: number, ws: WebSocket): void {
    let set = this.#sockets.get(shareId);
    if (!set) {
      set = new Set();
      this.#sockets.set(shareId, set);
      // setTimeout takes at most 2^31-1 ms (~24.8 days); a longer share re-arms on its next viewer.
      const delay = Math.min(Math.max(0, expiresAt - Date.now()), 0x7fffffff);
      this.#timers.set(shareId, setTimeout(() => this.end(shareId, 'share expired'), delay).unref());
    }
    set.add(ws);
    ws.once('close', () => {
      set.delete(ws);
      if (set.size === 0 && this.#sockets.get(shareId) === set) this.#forget(shareId);
    });
  }

  /** Closes every viewer of a share (revoked, expired, or its device deleted). */
  end(shareId: string, reason: string): void {
    const set = this.#sockets.get(shareId);
    this.#forget(shareId);
    for (const ws of set ?? []) ws.close(CloseCode.ShareEnded, reason);
  }

  #forget(shareId: string): void {
    clearTimeout(this.#timers.get(shareId));
    this.#timers.delete(shareId);
    this.#sockets.delete(shareId);
  }

  close(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#sockets.clear();
  }
}
