import { describe, expect, it } from 'vitest';
import { RenderedInvalidError, renderOutpostProvidersPatch } from '@booxstream/gateway';
import { assertAuthentikRequest, authentikRequestProblems } from './request-contract.js';

describe("authentik's request contract at the edge", () => {
  it('accepts what the renderers produce', () => {
    expect(authentikRequestProblems('PatchedOutpostRequest', renderOutpostProvidersPatch([3, 7]))).toEqual([]);
    expect(() => assertAuthentikRequest('PatchedOutpostRequest', { providers: [] })).not.toThrow();
  });

  it("refuses a body authentik would refuse, in authentik's words, naming the field", () => {
    const body = { providers: ['7'], surprise: true };
    expect(authentikRequestProblems('PatchedOutpostRequest', body)).toEqual(
      expect.arrayContaining([expect.stringContaining('providers/0'), expect.stringContaining('surprise')]),
    );
    expect(() => assertAuthentikRequest('PatchedOutpostRequest', body)).toThrow(RenderedInvalidError);
    expect(() => assertAuthentikRequest('PatchedOutpostRequest', body)).toThrow(/rendered authentik PatchedOutpostRequest is invalid/);
  });
});
