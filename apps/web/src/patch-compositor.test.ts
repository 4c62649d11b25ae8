import { describe, expect, it } from 'vitest';
import { defaultDataSaver, loadDataSaver, saveDataSaver } from './patch-compositor.js';

describe('data saver default', () => {
  it('is off on the LAN and loopback, on through a public name', () => {
    for (const h of ['localhost', '127.0.0.1', '192.168.1.20', '10.0.0.5', '172.16.3.4', '172.31.255.1', '[::1]', 'boox.local', 'nas.lan', 'fd12::1', 'fe80::1']) {
      expect(defaultDataSaver(h), h).toBe(false);
    }
    for (const h of ['boox.example.com', '172.32.0.1', '8.8.8.8', 'stream.home.example']) expect(defaultDataSaver(h), h).toBe(true);
  });

  it('follows the viewer\'s saved choice over the default', () => {
    const map = new Map<string, string>();
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    expect(loadDataSaver(storage, 'boox.example.com')).toBe(true);
    saveDataSaver(storage, false);
    expect(loadDataSaver(storage, 'boox.example.com')).toBe(false);
    saveDataSaver(storage, true);
    expect(loadDataSaver(storage, '192.168.1.2')).toBe(true);
    expect(loadDataSaver(null, '192.168.1.2')).toBe(false);
  });
});
