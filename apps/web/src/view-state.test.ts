import { CloseCode } from '@booxstream/protocol/close-codes';
import { describe, expect, it } from 'vitest';
import type { SocketStatus } from './stream-socket.js';
import { describeLive, type LiveFacts } from './view-state.js';

const live: SocketStatus = { state: 'live', attempt: 0, closeCode: null, closeReason: '', everOpened: true, retryInMs: null };
const base: LiveFacts = {
  socket: live, hostStatus: 'approved', streaming: true, signedOut: false, hostMissing: false, hasFrame: true, admin: false,
};
const title = (change: Partial<LiveFacts>): string | null => describeLive({ ...base, ...change })?.title ?? null;

describe('describeLive', () => {
  it('shows nothing while frames flow', () => {
    expect(describeLive(base)).toBeNull();
  });

  it('names each state in words', () => {
    expect(title({ streaming: false })).toBe('Device offline — waiting for it to stream');
    expect(title({ hostStatus: 'pending', hasFrame: false })).toBe('Waiting for approval by an admin');
    expect(title({ hostStatus: 'revoked' })).toBe('Revoked');
    expect(title({ signedOut: true })).toBe('Not signed in');
    expect(title({ hostMissing: true })).toBe('Device not found');
    expect(title({ hasFrame: false })).toBe('Waiting for the first frame…');
    expect(title({ socket: { ...live, state: 'connecting' }, hasFrame: false })).toBe('Connecting…');
    expect(title({ socket: { ...live, state: 'offline' } })).toBe('You are offline');
  });

  it('counts reconnect attempts and says whether the server was reached', () => {
    const lost = describeLive({ ...base, socket: { ...live, state: 'reconnecting', attempt: 3, closeCode: CloseCode.GoingAway } });
    expect(lost).toMatchObject({ title: 'Reconnecting… (attempt 3)', detail: 'The connection to the server was lost.', action: 'retry' });
    const refused = describeLive({ ...base, socket: { ...live, state: 'reconnecting', attempt: 1, closeCode: 1006, everOpened: false } });
    expect(refused?.detail).toBe('The server cannot be reached.');
  });

  it('reads the close codes retrying cannot fix', () => {
    expect(title({ socket: { ...live, state: 'stopped', closeCode: CloseCode.NotFound } })).toBe('Device not found');
    expect(title({ socket: { ...live, state: 'stopped', closeCode: CloseCode.Forbidden } })).toBe('No access');
    expect(title({ hostStatus: null, socket: { ...live, state: 'reconnecting', closeCode: CloseCode.PendingApproval } }))
      .toBe('Waiting for approval by an admin');
  });

  it('puts signing in before everything, and the host status before the socket', () => {
    expect(title({ signedOut: true, hostStatus: 'revoked', socket: { ...live, state: 'reconnecting' } })).toBe('Not signed in');
    expect(title({ hostStatus: 'revoked', socket: { ...live, state: 'reconnecting', attempt: 2 } })).toBe('Revoked');
  });

  it('tells admins where to act', () => {
    expect(describeLive({ ...base, hostStatus: 'pending', admin: true })?.detail).toMatch(/Approve this device/);
  });
});

describe('describeLive for a share link', () => {
  const socket = { state: 'stopped' as const, attempt: 0, closeCode: 4410, closeReason: 'share revoked', everOpened: true, retryInMs: null };
  const facts = { socket, hostStatus: null, streaming: null, signedOut: false, hostMissing: false, hasFrame: true, admin: false };
  it('says the link ended when the relay closed the share, or the page answered 404/410', () => {
    expect(describeLive(facts)?.kind).toBe('share-ended');
    expect(describeLive({ ...facts, socket: { ...socket, state: 'reconnecting', closeCode: 1006 }, shareEnded: true })?.kind).toBe('share-ended');
    expect(describeLive({ ...facts, socket: { ...socket, state: 'live', closeCode: null } })).toBeNull();
  });
});
