import { describe, expect, it } from 'vitest';
import { UnknownSchemaError } from '../errors.js';
import { createAuthentikOpenApi, loadAuthentikOpenApi, translateSchema } from './openapi.js';

const FLOW = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const FLOW2 = '0b9f3c2e-6c1a-4b7e-9d53-2f8e5a1c7d40';

const goodProvider = {
  name: 'booxstream-proxy',
  authorization_flow: FLOW,
  invalidation_flow: FLOW2,
  external_host: 'https://booxstream.kevinvdb.dev',
  internal_host: 'http://192.168.1.202:3001',
  mode: 'forward_single',
  authentication_flow: null,
};

describe('loadAuthentikOpenApi', () => {
  const api = loadAuthentikOpenApi();

  it('loads the schema shipped with @goauthentik/api and caches it', () => {
    expect(api.version).toBe('2026.8.3');
    expect(loadAuthentikOpenApi()).toBe(api);
  });

  describe('#validateComponent', () => {
    it('accepts a complete ProxyProviderRequest, including a nullable field set to null', () => {
      expect(api.validateComponent('ProxyProviderRequest', goodProvider)).toEqual([]);
    });

    it('names invalidation_flow when it is missing', () => {
      const { invalidation_flow: _omit, ...body } = goodProvider;
      const errors = api.validateComponent('ProxyProviderRequest', body);
      expect(errors).toEqual(["ProxyProviderRequest must have required property 'invalidation_flow'"]);
    });

    it('rejects a slug where a flow uuid belongs, a bad URI, an unknown mode and a camelCase typo', () => {
      const errors = api.validateComponent('ProxyProviderRequest', {
        ...goodProvider,
        authorization_flow: 'default-provider-authorization-implicit-consent',
        external_host: 'booxstream.kevinvdb.dev',
        mode: 'forward',
        internalHost: 'http://x',
      });
      expect(errors).toEqual([
        "ProxyProviderRequest must NOT have additional properties ('internalHost')",
        'ProxyProviderRequest/authorization_flow must match format "uuid"',
        'ProxyProviderRequest/external_host must match format "uri"',
        'ProxyProviderRequest/mode must be equal to one of the allowed values: ["proxy","forward_single","forward_domain"]',
      ]);
    });

    it("applies ApplicationRequest's slug pattern", () => {
      expect(api.validateComponent('ApplicationRequest', { name: 'BooxStream', slug: 'booxstream' })).toEqual([]);
      expect(api.validateComponent('ApplicationRequest', { name: 'BooxStream', slug: 'boox stream' })).toEqual([
        'ApplicationRequest/slug must match pattern "^[-a-zA-Z0-9_]+$"',
      ]);
    });

    it('forbids readOnly properties and drops them from required in the request flavour', () => {
      const errors = api.validateComponent('ProxyProvider', { ...goodProvider, pk: 3 }, 'request');
      expect(errors).toEqual(['ProxyProvider/pk is not allowed here (read-only or write-only in this direction)']);
    });

    it('requires readOnly properties in the response flavour', () => {
      const errors = api.validateComponent('ProxyProvider', goodProvider, 'response');
      expect(errors).toContain("ProxyProvider must have required property 'pk'");
    });

    it('forbids writeOnly properties in the response flavour and requires them in requests', () => {
      // CertificateKeyPairRequest.certificate_data is writeOnly and required in authentik's schema.
      const pair = { name: 'tls', certificate_data: '-----BEGIN CERTIFICATE-----' };
      expect(api.validateComponent('CertificateKeyPairRequest', pair, 'request')).toEqual([]);
      expect(api.validateComponent('CertificateKeyPairRequest', { name: 'tls' }, 'request')).toEqual([
        "CertificateKeyPairRequest must have required property 'certificate_data'",
      ]);
      expect(api.validateComponent('CertificateKeyPairRequest', pair, 'response')).toEqual([
        'CertificateKeyPairRequest/certificate_data is not allowed here (read-only or write-only in this direction)',
      ]);
    });

    it('allows null where the schema says nullable, and only there', () => {
      expect(api.validateComponent('ApplicationRequest', { name: 'a', slug: 'a', provider: null })).toEqual([]);
      expect(api.validateComponent('ApplicationRequest', { name: null, slug: 'a' })).toEqual(['ApplicationRequest/name must be string']);
    });

    it('throws a coded error for an unknown component', () => {
      expect(() => api.validateComponent('NoSuchThing', {})).toThrow(UnknownSchemaError);
    });
  });

  describe('#findOperation', () => {
    it('matches path templates with and without the /api/v3 prefix', () => {
      expect(api.findOperation('PUT', '/api/v3/providers/proxy/12/')).toEqual({
        operationId: 'providers_proxy_update',
        pathParams: { id: '12' },
      });
      expect(api.findOperation('get', '/core/applications/booxstream/')).toEqual({
        operationId: 'core_applications_retrieve',
        pathParams: { slug: 'booxstream' },
      });
    });

    it('prefers a literal path over a template', () => {
      expect(api.findOperation('GET', '/api/v3/providers/proxy/')?.operationId).toBe('providers_proxy_list');
      expect(api.findOperation('GET', '/api/v3/outposts/instances/default_settings/')?.operationId).toBe(
        'outposts_instances_default_settings_retrieve',
      );
    });

    it('returns null for an undocumented method or path', () => {
      expect(api.findOperation('POST', '/api/v3/providers/proxy/12/')).toBeNull();
      expect(api.findOperation('GET', '/api/v3/providers/proxy/12')).toBeNull();
      expect(api.findOperation('GET', '/api/v4/nothing/')).toBeNull();
    });
  });

  describe('#validateRequest', () => {
    it('accepts a valid create', () => {
      expect(api.validateRequest('POST', '/api/v3/providers/proxy/', new URLSearchParams(), goodProvider)).toEqual([]);
    });

    it('checks path parameter types, undocumented query parameters and the body together', () => {
      expect(api.validateRequest('PUT', '/api/v3/providers/proxy/abc/', new URLSearchParams('x=1'), { name: 'p' })).toEqual([
        'path/id must be integer',
        "query parameter 'x' is not documented for providers_proxy_update",
        "body must have required property 'authorization_flow'",
        "body must have required property 'external_host'",
        "body must have required property 'invalidation_flow'",
      ]);
    });

    it('coerces and checks query values, including exploded arrays', () => {
      const ok = new URLSearchParams(`page=2&name__iexact=a&property_mappings__iexact=${FLOW}&property_mappings__iexact=${FLOW2}`);
      expect(api.validateRequest('GET', '/api/v3/providers/proxy/', ok, undefined)).toEqual([]);
      expect(api.validateRequest('GET', '/api/v3/providers/proxy/', new URLSearchParams('page=two'), undefined)).toEqual([
        'query/page must be integer',
      ]);
      expect(api.validateRequest('GET', '/api/v3/providers/proxy/', new URLSearchParams('page=1&page=2'), undefined)).toEqual([
        "query parameter 'page' is given 2 times but takes one value",
      ]);
    });

    it('requires a body where documented and refuses one where not', () => {
      expect(api.validateRequest('POST', '/api/v3/providers/proxy/', new URLSearchParams(), undefined)).toEqual([
        'providers_proxy_create requires a request body',
      ]);
      expect(api.validateRequest('DELETE', '/api/v3/providers/proxy/1/', new URLSearchParams(), { a: 1 })).toEqual([
        'providers_proxy_destroy takes no request body',
      ]);
    });

    it('uses the Patched schema for PATCH, where nothing is required', () => {
      expect(api.validateRequest('PATCH', '/api/v3/outposts/instances/' + FLOW + '/', new URLSearchParams(), { providers: [1, 2] })).toEqual([]);
      expect(api.validateRequest('PATCH', '/api/v3/outposts/instances/not-a-uuid/', new URLSearchParams(), { providers: ['1'] })).toEqual([
        'path/uuid must match format "uuid"',
        'body/providers/0 must be integer',
      ]);
    });

    it('reports an undocumented operation', () => {
      expect(api.validateRequest('POST', '/api/v3/nope/', new URLSearchParams(), {})).toEqual(['no documented operation for POST /api/v3/nope/']);
    });
  });

  describe('#validateResponse', () => {
    it('accepts 204 without a body and the ValidationError shape for 400', () => {
      expect(api.validateResponse('DELETE', '/api/v3/providers/proxy/1/', 204, undefined)).toEqual([]);
      expect(api.validateResponse('POST', '/api/v3/providers/proxy/', 400, { name: ['This field is required.'] })).toEqual([]);
    });

    it('rejects a response body missing documented fields and an undocumented status', () => {
      const errors = api.validateResponse('GET', '/api/v3/core/applications/x/', 200, { name: 'x', slug: 'x' });
      expect(errors).toContain("body must have required property 'pbm_uuid'");
      expect(api.validateResponse('GET', '/api/v3/core/applications/x/', 418, {})).toEqual([
        'core_applications_retrieve does not document status 418',
      ]);
      expect(api.validateResponse('DELETE', '/api/v3/providers/proxy/1/', 204, { a: 1 })).toEqual([
        'providers_proxy_destroy documents no body for status 204',
      ]);
    });
  });
});

describe('translateSchema', () => {
  it('turns nullable beside a type into a type union, and beside allOf into anyOf with null', () => {
    expect(translateSchema({ type: 'string', nullable: true, enum: ['a'] }, 'request')).toEqual({ type: ['string', 'null'], enum: ['a', null] });
    expect(translateSchema({ allOf: [{ $ref: '#/components/schemas/X' }], nullable: true, description: 'd' }, 'response')).toEqual({
      description: 'd',
      anyOf: [{ type: 'null' }, { allOf: [{ $ref: '#/definitions/X' }] }],
    });
  });

  it('closes request objects but leaves response objects open', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(translateSchema(schema, 'request')).toMatchObject({ additionalProperties: false });
    expect(translateSchema(schema, 'response')).not.toHaveProperty('additionalProperties');
  });
});

describe('createAuthentikOpenApi on a tiny document', () => {
  const api = createAuthentikOpenApi({
    info: { version: 't' },
    paths: {
      '/things/{id}/': {
        parameters: [],
        get: { operationId: 'things_retrieve', parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'integer' } }] },
      },
      '/things/special/': { get: { operationId: 'things_special' } },
    },
    components: { schemas: { Thing: { type: 'object', properties: { secret: { type: 'string', writeOnly: true } } } } },
  });

  it('ignores non-method keys of a path item and orders literal routes first', () => {
    expect(api.findOperation('GET', '/things/special/')?.operationId).toBe('things_special');
    expect(api.findOperation('GET', '/things/7/')?.pathParams).toEqual({ id: '7' });
  });

  it('hides writeOnly properties from responses only', () => {
    expect(api.validateComponent('Thing', { secret: 's' }, 'request')).toEqual([]);
    expect(api.validateComponent('Thing', { secret: 's' }, 'response')).toEqual([
      'Thing/secret is not allowed here (read-only or write-only in this direction)',
    ]);
  });
});
