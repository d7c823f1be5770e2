import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { appRouter } from '../../server/api/root';
import { projectRoot } from '../support/pipeloom';

/**
 * Everything a client can call, read from the code itself, so a new procedure or route is probed by
 * the hostile tests without anyone listing it: every tRPC procedure (from the router) and every REST
 * route (from the files under app/api).
 */

export interface Procedure {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The top-level fields of its input object (none for a procedure without input). */
  fields: { name: string; kind: 'string' | 'number' | 'boolean' | 'graph' | 'other'; optional: boolean }[];
}

interface ProcedureDef {
  _def: { type: Procedure['type']; inputs: z.ZodType[] };
}

function fieldKind(schema: z.ZodType): { kind: Procedure['fields'][number]['kind']; optional: boolean } {
  let inner: z.ZodType = schema;
  let optional = false;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable || inner instanceof z.ZodDefault) {
    optional = true;
    inner = inner.unwrap() as z.ZodType;
  }
  if (inner instanceof z.ZodString) return { kind: 'string', optional };
  if (inner instanceof z.ZodNumber) return { kind: 'number', optional };
  if (inner instanceof z.ZodBoolean) return { kind: 'boolean', optional };
  if (inner instanceof z.ZodObject && 'nodes' in inner.shape) return { kind: 'graph', optional };
  return { kind: 'other', optional };
}

export function procedures(): Procedure[] {
  const all = (appRouter._def as unknown as { procedures: Record<string, ProcedureDef> }).procedures;
  return Object.entries(all).map(([procedurePath, procedure]) => {
    const input = procedure._def.inputs[0];
    const shape = input instanceof z.ZodObject ? (input.shape as Record<string, z.ZodType>) : {};
    return {
      path: procedurePath,
      type: procedure._def.type,
      fields: Object.entries(shape).map(([name, schema]) => ({ name, ...fieldKind(schema) })),
    };
  });
}

export interface Route {
  /** The URL pattern, with `[param]` segments. */
  pattern: string;
  params: string[];
  methods: string[];
}

export function routes(): Route[] {
  const root = path.join(projectRoot, 'app', 'api');
  const found: Route[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'route.ts') {
        const source = readFileSync(full, 'utf8');
        const methods = [...source.matchAll(/export (?:const|async function|function) (GET|POST|PUT|PATCH|DELETE)\b|export \{([^}]*)\}/g)].flatMap((m) =>
          m[1] ? [m[1]] : [...m[2].matchAll(/\bas (GET|POST|PUT|PATCH|DELETE)\b/g)].map((x) => x[1]),
        );
        const pattern = `/${path.relative(path.join(projectRoot, 'app'), dir).split(path.sep).join('/')}`;
        found.push({ pattern, params: [...pattern.matchAll(/\[(\w+)\]/g)].map((m) => m[1]), methods });
      }
    }
  };
  walk(root);
  return found;
}

/** Well-formed values for the fields a procedure takes (ids shaped right, of nothing that exists). */
export const FIELD_SAMPLES: Record<string, unknown> = {
  id: '00000000-0000-4000-8000-000000000000',
  graphId: '00000000-0000-4000-8000-000000000000',
  runId: '00000000-0000-4000-8000-000000000000',
  nodeId: 'node',
  upTo: 'node',
  name: 'sample-name',
  offset: 0,
  limit: 1,
  lastEventId: null,
  workspaceId: '00000000-0000-4000-8000-000000000000',
  userId: 'nobodyNobodyNobodyNobodyNobody00',
  email: 'nobody@example.com',
  role: 'viewer',
  public: false,
  deployments: null,
  token: 'pls_' + 'A'.repeat(32),
  days: 7,
  mode: 'view',
  expiresInDays: null,
  baseRevision: 0,
  fresh: false,
  versionId: 1,
  from: 1,
  to: null,
  afterRevision: 0,
  action: 'sign-in',
  text: 'sample',
  beforeId: 1,
  linkId: '00000000-0000-4000-8000-000000000000',
  forPipeline: '00000000-0000-4000-8000-000000000000',
  version: 1,
  pin: false,
  pinned: false,
  reason: 'sample',
  replace: false,
  deployAnyway: false,
};

/** Ids of datasets and saved models are hashes, not UUIDs. */
export function sampleFor(procedure: Procedure, field: string): unknown {
  if (field === 'id' && /^(datasets|models)\./.test(procedure.path)) return '0'.repeat(32);
  if (field === 'token' && procedure.path.startsWith('invites.')) return 'pli_' + 'A'.repeat(32);
  if (field === 'from' && procedure.path.startsWith('audit.')) return 0;
  if (field === 'to' && procedure.path.startsWith('audit.')) return 1;
  return FIELD_SAMPLES[field];
}
