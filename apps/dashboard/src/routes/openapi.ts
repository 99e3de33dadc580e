// GET /api/openapi.json (issue 19): the document is generated from the zod schemas the routes
// validate with. A route is registered through `operation()`, which puts the handler on the
// router and its description in the list the document is built from, both from one object; a
// route added with plain router.get() has no description, and openapi.int.test.ts (which walks
// the router's stack) fails.
import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type ResponseDoc = {
  description: string;
  /** JSON body (application/json). */
  schema?: z.ZodType;
  /** Other media types, each with an optional JSON Schema (for a streamed file). */
  content?: Record<string, { schema?: Record<string, unknown> }>;
};

/** Statuses every operation can answer besides its own (auth, bad input, the error middleware). */
export type ApiOperation = {
  method: HttpMethod;
  /** Express syntax, relative to /api: `/conflicts/:id`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Path parameters, query and body: the very schemas the handler parses with. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Responses besides the common ones (401, 429, 500 on every route; 400 with any input). */
  responses: Record<number, ResponseDoc>;
};

export const ErrorSchema = z.object({ error: z.string() }).meta({ description: 'What went wrong' });

// Request side: what a client may send (defaults make a field optional; coercions and
// transforms are described by what they accept). Response side: what the server sends.
const requestJson = (schema: z.ZodType) => jsonSchema(schema, 'input');
const responseJson = (schema: z.ZodType) => jsonSchema(schema, 'output');

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' });
  return rest;
}

/** Registers a route and its description together. */
export function operation(
  router: Router,
  registry: ApiOperation[],
  op: ApiOperation,
  ...handlers: RequestHandler[]
): void {
  registry.push(op);
  router[op.method](op.path, ...handlers);
}

/** `/conflicts/:id` → `/api/conflicts/{id}`. */
export const openApiPath = (expressPath: string) => `/api${expressPath.replace(/:(\w+)/g, '{$1}')}`;

function parameters(schema: z.ZodObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const object = requestJson(schema) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const jsonContent = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({
  description,
  content: jsonContent(responseJson(ErrorSchema)),
});

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** `get /conflicts/:id` → `getConflictsById`, `post /webhook-logs/:id/retry` → `postWebhookLogsByIdRetry`. */
function operationId(op: ApiOperation): string {
  const words = op.path
    .split(/[/-]/)
    .filter(Boolean)
    .map((part) =>
      part.startsWith(':') ? `By${capitalised(part.slice(1))}` : capitalised(part.replace('.', '')),
    );
  return op.method + words.join('');
}

export type OpenApiDocument = {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, unknown>;
  security: Record<string, string[]>[];
};

export function buildOpenApiDocument(operations: readonly ApiOperation[], version: string): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const op of operations) {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      const content = r.schema ? jsonContent(responseJson(r.schema)) : r.content;
      responses[status] = { description: r.description, ...(content ? { content } : {}) };
    }
    if (op.params || op.query || op.body) {
      responses['400'] ??= errorResponse('Bad input: the reason names the field');
    }
    responses['401'] = errorResponse('Missing or wrong admin token');
    responses['429'] = errorResponse('Too many wrong tokens from this address (Retry-After)');
    const parameterList = [...parameters(op.params, 'path'), ...parameters(op.query, 'query')];
    const path = openApiPath(op.path);
    paths[path] ??= {};
    paths[path][op.method] = {
      operationId: operationId(op),
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: op.tags,
      ...(parameterList.length ? { parameters: parameterList } : {}),
      ...(op.body ? { requestBody: { required: true, content: jsonContent(requestJson(op.body)) } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'plexhook dashboard API',
      version,
      description:
        'The admin API of the plexhook dashboard. Every route needs `Authorization: Bearer ADMIN_TOKEN`. ' +
        'Generated from the zod schemas that validate the requests (apps/dashboard/src/routes).',
    },
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
  };
}

/** The handler of GET /api/openapi.json: the document is built once, on first request. */
export function serveOpenApi(operations: readonly ApiOperation[], version: string): RequestHandler {
  let document: OpenApiDocument | undefined;
  return (_req: Request, res: Response) => {
    document ??= buildOpenApiDocument(operations, version);
    res.json(document);
  };
}
