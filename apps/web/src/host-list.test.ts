import type { HostView } from '@booxstream/protocol/api';
import { describe, expect, it } from 'vitest';
import { hostLabel, reregistrationNote, sortHosts, statusLabel } from './host-list.js';

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

  it('puts a device waiting for confirmation of a new network with the pending ones, and says what waits', () => {
    const moved = { ...host('5', 'y', 'approved'), reregistration: { network: '198.51.100.0/24', at: 1_000 } };
    expect(sortHosts([host('1', 'b', 'approved'), moved, host('2', 'z', 'revoked')]).map((h) => h.uuid)).toEqual(['5', '1', '2']);
    expect(reregistrationNote(moved, 1_000 + 180_000)).toMatch(/^Registered again from a new network \(198\.51\.100\.0\/24\) 3 min ago\. /);
    expect(reregistrationNote(host('1', 'b', 'approved'), 0)).toBeNull();
    expect(reregistrationNote({ reregistration: null }, 0)).toBeNull();
  });

  it('words every status', () => {
    expect(['pending', 'approved', 'revoked'].map((s) => statusLabel(s as HostView['status'])))
      .toEqual(['Pending approval', 'Approved', 'Revoked']);
  });
});
