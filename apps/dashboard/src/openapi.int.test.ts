// GET /api/openapi.json (issue 19): generated from the request schemas, and complete: every
// route the /api router registers is in the document, and nothing else is.
import express, { Router } from 'express';
import pino from 'pino';
import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { type Listening, listen } from '../../../test/helpers/http';
import { createTestQueue, type TestQueue } from '../../../test/helpers/redis';
import { createDashboardApp } from './app';
import { type ApiDeps, createApiRouter } from './routes/api';
import { buildOpenApiDocument, type OpenApiDocument, openApiPath } from './routes/openapi';
import { EXPORT_FORMATS } from './services/export';
import { INT4_MAX } from './validation';

const TOKEN = 'test-admin-token-openapi-0123456789';
const logger = pino({ level: 'silent' });
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

let t: TestDb;
let q: TestQueue;
let server: Listening;
let deps: ApiDeps;
let doc: OpenApiDocument;

beforeAll(async () => {
  [t, q] = await Promise.all([createTestDb('openapi'), createTestQueue('openapi')]);
  deps = { db: t.db, queue: q.queue, logger, config: { PUBLIC_WEBHOOK_URL: 'https://hooks.example.test' } };
  server = await listen(
    createDashboardApp({ ...deps, redis: q.redis, config: { ...deps.config, ADMIN_TOKEN: TOKEN } }),
  );
  const res = await fetch(`${server.url}/api/openapi.json`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  doc = (await res.json()) as OpenApiDocument;
});

afterAll(async () => {
  await server?.close();
  await Promise.all([t?.drop(), q?.cleanup()]);
});

type Layer = {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: unknown[] };
  name?: string;
};

/** `method /api/path` of every route on the router, read from Express's own stack. */
function registeredRoutes(router: Router): string[] {
  const out: string[] = [];
  for (const layer of router.stack as Layer[]) {
    if (!layer.route) {
      // A router mounted inside the API would hide its routes from this walk: say so.
      if (layer.handle?.stack) throw new Error(`a nested router (${layer.name}) under /api: walk it too`);
      continue;
    }
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') out.push(`${method} ${openApiPath(layer.route.path)}`);
    }
  }
  return out.sort();
}

function documentedRoutes(document: OpenApiDocument): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
    .sort();
}

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
};
const op = (method: string, path: string) => doc.paths[path]![method] as Operation;

test('every route the /api router registers is documented, and every documented one exists', () => {
  const routes = registeredRoutes(createApiRouter(deps).router);
  // The app's API is this router: a sample of routes that must be there.
  expect(routes).toEqual(
    expect.arrayContaining(['get /api/conflicts/{id}', 'get /api/export', 'get /api/openapi.json']),
  );
  expect(routes.length).toBeGreaterThanOrEqual(15);
  expect(documentedRoutes(doc)).toEqual(routes);
});

test('a route added without its description is caught', () => {
  const { router, operations } = createApiRouter(deps);
  router.get('/undocumented', (_req, res) => {
    res.json({});
  });
  const documented = documentedRoutes(buildOpenApiDocument(operations, '0'));
  const missing = registeredRoutes(router).filter((r) => !documented.includes(r));
  expect(missing).toEqual(['get /api/undocumented']);
  const outer = Router();
  outer.use('/nested', express.Router());
  expect(() => registeredRoutes(outer)).toThrow(/nested router/);
});

test('the document has the OpenAPI 3.x shape', () => {
  expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
  expect(typeof doc.info.title).toBe('string');
  expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(doc.components).toEqual({ securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } });
  expect(doc.security).toEqual([{ bearer: [] }]);
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    expect(path).toMatch(/^\/api\//);
    for (const [method, raw] of Object.entries(item)) {
      expect(METHODS).toContain(method);
      const operation = raw as Operation;
      expect(ids.has(operation.operationId)).toBe(false);
      ids.add(operation.operationId);
      const statuses = Object.keys(operation.responses);
      expect(statuses.some((s) => /^2\d\d$/.test(s))).toBe(true);
      expect(statuses).toEqual(expect.arrayContaining(['401']));
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(status).toMatch(/^[1-5]\d\d$/);
        expect(response.description).toEqual(expect.any(String));
      }
      // Each {param} of the path is a required path parameter, and no other is declared.
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort()).toEqual(templated);
      expect(declared.every((p) => p.required)).toBe(true);
      for (const p of operation.parameters ?? []) {
        expect(['path', 'query']).toContain(p.in);
        expect(p.schema).toEqual(expect.any(Object));
        expect(p.schema).not.toHaveProperty('$schema');
      }
    }
  }
});

test('parameters and bodies come from the schemas that validate them', () => {
  const exportOp = op('get', '/api/export');
  expect(exportOp.parameters).toEqual([
    {
      name: 'userId',
      in: 'query',
      required: true,
      schema: { type: 'integer', minimum: 1, maximum: INT4_MAX },
    },
    {
      name: 'format',
      in: 'query',
      required: false,
      schema: { type: 'string', enum: [...EXPORT_FORMATS], default: 'json' },
    },
  ]);
  expect(Object.keys(exportOp.responses['200']!.content!)).toEqual([
    'text/csv',
    'application/json',
    'application/x-ndjson',
  ]);
  expect(Object.keys(exportOp.responses).sort()).toEqual(['200', '400', '401', '404', '429']);
  expect(exportOp.responses['404']!.content).toEqual({
    'application/json': {
      schema: {
        type: 'object',
        properties: { error: { type: 'string' } },
        required: ['error'],
        additionalProperties: false,
        description: 'What went wrong',
      },
    },
  });

  // A body: the users service's CreateUserSchema, and the resolve union with its actions.
  expect(op('post', '/api/users').requestBody!.content['application/json']!.schema).toMatchObject({
    type: 'object',
    properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
    required: ['name'],
  });
  const resolve = op('post', '/api/conflicts/{id}/resolve').requestBody!.content['application/json']!
    .schema as {
    oneOf: { properties: { action: { const: string } } }[];
  };
  expect(resolve.oneOf.map((o) => o.properties.action.const)).toEqual([
    'user_selected',
    'user_created_new',
    'ignored',
  ]);
  // A query with an enum from the database's own enum type.
  const status = op('get', '/api/webhook-logs').parameters!.find((p) => p.name === 'status')!;
  expect(status.schema.enum).toEqual(expect.arrayContaining(['success', 'failed', 'ignored', 'duplicate']));
  expect(
    op('patch', '/api/users/{id}/plex-config').requestBody!.content['application/json']!.schema,
  ).toMatchObject({
    additionalProperties: false,
    properties: { matchThreshold: { type: 'number', minimum: 0, maximum: 1 } },
  });
});

test('behind the admin token like the rest of /api', async () => {
  expect((await fetch(`${server.url}/api/openapi.json`)).status).toBe(401);
});
