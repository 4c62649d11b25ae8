import { CloseCode } from '@booxstream/protocol/close-codes';
import { describe, expect, it } from 'vitest';
import { closeAction } from './stream-socket.js';

describe('closeAction', () => {
  it('gives up only when retrying cannot help', () => {
    expect(closeAction(CloseCode.Forbidden)).toBe('stop');
    expect(closeAction(CloseCode.NotFound)).toBe('stop');
  });

  it('retries slowly while waiting on an admin or a free viewer slot', () => {
    expect(closeAction(CloseCode.PendingApproval)).toBe('retry-slowly');
    expect(closeAction(CloseCode.TooManyViewers)).toBe('retry-slowly');
  });

  it('retries with backoff after a restart, a drop or a refused upgrade', () => {
    for (const code of [CloseCode.GoingAway, 1006, 1011, 1012, CloseCode.Normal]) expect(closeAction(code)).toBe('retry');
  });
});
