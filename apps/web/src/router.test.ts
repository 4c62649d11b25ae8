import { describe, expect, it } from 'vitest';
import { hostHref, parseRoute } from './router.js';

describe('parseRoute', () => {
  it('reads a host route and round-trips hostHref', () => {
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(parseRoute(hostHref(uuid))).toEqual({ name: 'host', uuid });
    expect(parseRoute(`#/host/${uuid}/`)).toEqual({ name: 'host', uuid });
  });

  it('treats everything else as the list', () => {
    for (const hash of ['', '#', '#/', '#/hosts', '#/host/', '#/host/a/b', '#/host/%E0%A4%A']) {
      expect(parseRoute(hash)).toEqual({ name: 'list' });
    }
  });
});
