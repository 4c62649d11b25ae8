import type { HostView } from '@booxstream/protocol/api';
import { describe, expect, it } from 'vitest';
import { hostLabel, sortHosts, statusLabel } from './host-list.js';

const host = (uuid: string, name: string | null, status: HostView['status']): HostView => ({
  uuid, name, status, owner: null, streaming: false, viewers: 0, fps: 0, lastFrameAt: null, bytesIn: 0,
});

describe('host list helpers', () => {
  it('labels a device by its name, or a short uuid when it has none', () => {
    expect(hostLabel(host('0f8fad5b-d9cb', '  Note Air ', 'approved'))).toBe('Note Air');
    expect(hostLabel(host('0f8fad5b-d9cb', null, 'approved'))).toBe('Unnamed device 0f8fad5b');
    expect(hostLabel(host('0f8fad5b-d9cb', '   ', 'approved'))).toBe('Unnamed device 0f8fad5b');
  });

  it('puts pending devices first, revoked last, then sorts by name', () => {
    const sorted = sortHosts([
      host('1', 'b', 'approved'), host('2', 'z', 'revoked'), host('3', 'a', 'approved'), host('4', 'm', 'pending'),
    ]);
    expect(sorted.map((h) => h.uuid)).toEqual(['4', '3', '1', '2']);
  });

  it('words every status', () => {
    expect(['pending', 'approved', 'revoked'].map((s) => statusLabel(s as HostView['status'])))
      .toEqual(['Pending approval', 'Approved', 'Revoked']);
  });
});
