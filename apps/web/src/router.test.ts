import { describe, expect, it } from 'vitest';
import { hostHref, parseRoute, shareLinkOf } from './router.js';

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

describe('shareLinkOf', () => {
  const secret = 'A'.repeat(43);
  it('reads the id from the path and the secret from the fragment', () => {
    expect(shareLinkOf({ pathname: '/share/abcdefghijklmnop', hash: `#${secret}` })).toEqual({ id: 'abcdefghijklmnop', secret });
    expect(shareLinkOf({ pathname: '/apps/boox/share/abcdefghijklmnop', hash: `#${secret}` })).toEqual({ id: 'abcdefghijklmnop', secret });
  });

  it('is null on the app itself and for anything malformed', () => {
    expect(shareLinkOf({ pathname: '/', hash: '#/host/x' })).toBeNull();
    expect(shareLinkOf({ pathname: '/share/abcdefghijklmnop', hash: '' })).toBeNull();
    expect(shareLinkOf({ pathname: '/share/short', hash: `#${secret}` })).toBeNull();
    expect(shareLinkOf({ pathname: '/share/abcdefghijklmnop', hash: `#${secret}!` })).toBeNull();
  });
});
