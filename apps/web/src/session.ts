/**
 * Who is signed in, shared by the views. Behind the gateway the identity comes
 * from forward-auth headers the server reads; the app only asks `GET /api/me`.
 */
import type { MeView } from '@booxstream/protocol/api';
import { getMe, isSignedOut } from './api.js';

/** `unknown` until the first answer; `unreachable` when the server did not answer. */
export type SessionState =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'signed-in'; readonly me: MeView }
  | { readonly kind: 'signed-out' }
  | { readonly kind: 'unreachable' };

/** Holds the sign-in state and tells subscribers when it changes. */
export class Session {
  private state: SessionState = { kind: 'unknown' };
  private readonly listeners = new Set<(state: SessionState) => void>();

  get current(): SessionState {
    return this.state;
  }

  /** True when the signed-in user may approve, revoke and delete devices. */
  get admin(): boolean {
    return this.state.kind === 'signed-in' && this.state.me.admin;
  }

  /** Asks the server again. Never throws. */
  async refresh(): Promise<SessionState> {
    try {
      this.set({ kind: 'signed-in', me: await getMe() });
    } catch (err) {
      this.set(isSignedOut(err) ? { kind: 'signed-out' } : { kind: 'unreachable' });
    }
    return this.state;
  }

  /** A view learnt from another request that the session is gone. */
  markSignedOut(): void {
    this.set({ kind: 'signed-out' });
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(state: SessionState): void {
    const before = this.state;
    this.state = state;
    const same = before.kind === state.kind
      && (before.kind !== 'signed-in' || state.kind !== 'signed-in'
        || (before.me.username === state.me.username && before.me.admin === state.me.admin));
    if (!same) for (const listener of this.listeners) listener(state);
  }
}

/** The header's text for a session state. */
export function describeSession(state: SessionState): string {
  switch (state.kind) {
    case 'unknown':
      return 'Checking sign-in…';
    case 'signed-out':
      return 'Not signed in';
    case 'unreachable':
      return 'Server unreachable';
    case 'signed-in': {
      const { name, username } = state.me;
      const who = name && name !== username ? `${name} (${username})` : username;
      const role = state.me.admin ? ' · admin' : '';
      const dev = state.me.source === 'dev' ? ' · local dev user' : '';
      return `Signed in as ${who}${role}${dev}`;
    }
  }
}
