/**
 * What the live view tells the person watching, from everything it knows:
 * the socket, the host's status, the sign-in. Pure, so every banner is
 * unit-tested; the live view only renders the result.
 */
import type { HostStatus } from '@booxstream/protocol/api';
import { CloseCode } from '@booxstream/protocol/close-codes';
import type { SocketStatus } from './stream-socket.js';

export interface LiveFacts {
  readonly socket: SocketStatus;
  /** From the last `status` event or API probe; null until known. */
  readonly hostStatus: HostStatus | null;
  /** Whether the device is streaming, per the last `status` event or probe; null until known. */
  readonly streaming: boolean | null;
  readonly signedOut: boolean;
  /** The API list does not have this host (deleted, or not ours). */
  readonly hostMissing: boolean;
  readonly hasFrame: boolean;
  readonly admin: boolean;
  /** Watching through a share link that was revoked or expired (or never existed). */
  readonly shareEnded?: boolean;
}

export type BannerKind =
  | 'signed-out' | 'not-found' | 'forbidden' | 'revoked' | 'pending'
  | 'browser-offline' | 'reconnecting' | 'connecting' | 'device-offline' | 'waiting-frame' | 'stopped' | 'share-ended';

/** What to offer besides the text. */
export type BannerAction = 'sign-in' | 'retry' | 'back' | null;

export interface Banner {
  readonly kind: BannerKind;
  readonly title: string;
  readonly detail: string;
  readonly action: BannerAction;
}

/** The banner to show, or null when frames are flowing and nothing needs saying. */
export function describeLive(f: LiveFacts): Banner | null {
  const { socket } = f;
  if (f.shareEnded || (socket.state === 'stopped' && socket.closeCode === CloseCode.ShareEnded)) {
    return { kind: 'share-ended', title: 'This share link has ended', detail: 'Its owner revoked it or it expired. Ask for a new link.', action: null };
  }
  if (f.signedOut) {
    return {
      kind: 'signed-out',
      title: 'Not signed in',
      detail: 'Your sign-in through the gateway has ended, so the live view stopped reconnecting. Sign in again to resume watching.',
      action: 'sign-in',
    };
  }
  if (f.hostMissing || (socket.state === 'stopped' && socket.closeCode === CloseCode.NotFound)) {
    return { kind: 'not-found', title: 'Device not found', detail: 'It was deleted, or your account cannot see it.', action: 'back' };
  }
  if (f.hostStatus === 'revoked') {
    return {
      kind: 'revoked',
      title: 'Revoked',
      detail: f.admin
        ? 'This device was revoked and cannot stream. Approve it again in the device list to restore it.'
        : 'An admin revoked this device; it cannot stream until it is approved again.',
      action: 'back',
    };
  }
  if (f.hostStatus === 'pending' || (socket.closeCode === CloseCode.PendingApproval && socket.state !== 'live')) {
    return {
      kind: 'pending',
      title: 'Waiting for approval by an admin',
      detail: f.admin
        ? 'Approve this device in the device list; the view starts by itself.'
        : 'The device registered; the view starts by itself once an admin approves it.',
      action: 'back',
    };
  }
  if (socket.state === 'stopped' && socket.closeCode === CloseCode.Forbidden) {
    return { kind: 'forbidden', title: 'No access', detail: 'Your account may not watch this device.', action: 'back' };
  }
  switch (socket.state) {
    case 'offline':
      return { kind: 'browser-offline', title: 'You are offline', detail: 'Waiting for the network to come back.', action: null };
    case 'reconnecting':
      return {
        kind: 'reconnecting',
        title: `Reconnecting… (attempt ${socket.attempt})`,
        detail: socket.closeCode === CloseCode.TooManyViewers
          ? 'This device already has the most viewers allowed.'
          : socket.everOpened ? 'The connection to the server was lost.' : 'The server cannot be reached.',
        action: 'retry',
      };
    case 'connecting':
      return { kind: 'connecting', title: 'Connecting…', detail: 'Opening the live stream.', action: null };
    case 'stopped':
      return { kind: 'stopped', title: 'Disconnected', detail: socket.closeReason || 'The stream was closed.', action: 'retry' };
    case 'live':
      break;
  }
  if (f.streaming === false) {
    return {
      kind: 'device-offline',
      title: 'Device offline — waiting for it to stream',
      detail: f.hasFrame ? 'Showing the last screen it sent.' : 'Open BooxStream on the tablet and start sharing.',
      action: null,
    };
  }
  if (!f.hasFrame) {
    return { kind: 'waiting-frame', title: 'Waiting for the first frame…', detail: 'The device is streaming.', action: null };
  }
  return null;
}
