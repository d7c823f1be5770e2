import os from 'node:os';
import { isIP } from 'node:net';
import { publicErrorMessage } from '../errors';

/**
 * The edge every REST route and the tRPC endpoint go through: cross-site requests that would
 * change something are refused, bodies are read up to a limit, and an unexpected failure answers
 * a plain message (the details go to the server log).
 */

/** A request problem answered with a status and a plain message naming the field. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    /** More of the answer beside `error` (a predict request's every problem, row by row). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function errorResponse(status: number, message: string, field?: string, details?: Record<string, unknown>): Response {
  return Response.json({ error: { message, ...(field ? { field } : {}) }, ...details }, { status });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Origins besides the server's own that may send changes (a reverse proxy's public address): PIPELOOM_ALLOWED_ORIGINS, comma-separated. */
export function allowedOrigins(): Set<string> {
  return new Set(
    (process.env.PIPELOOM_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean)
      .map(normalizedOrigin),
  );
}

/** An origin as browsers send it (scheme://host[:port], lower case, no path): a configured one may be typed otherwise. */
function normalizedOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

/**
 * Whether a request that changes state comes from another site: its Origin names neither this
 * server's host (Host or X-Forwarded-Host) nor an allowed origin; without an Origin, only a browser's
 * Sec-Fetch-Site can say so. Scripts and other servers (curl, no Origin) pass.
 */
export function isCrossSite(request: Request): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const origin = request.headers.get('origin');
  if (origin === null) {
    const site = request.headers.get('sec-fetch-site');
    return site === 'cross-site' || site === 'same-site';
  }
  if (allowedOrigins().has(origin)) return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return true; // "null" (a sandboxed frame, a file) or garbage
  }
  const hosts = [request.headers.get('host'), request.headers.get('x-forwarded-host'), new URL(request.url).host];
  return !hosts.some((host) => host !== null && host.toLowerCase() === originHost.toLowerCase());
}

/**
 * Whether the request names this server by a name it does not know (DNS rebinding: an attacker's
 * domain made to resolve to this machine, so that its page may read and change everything). Known:
 * an IP address, localhost, this machine's host name, and the hosts of PIPELOOM_ALLOWED_ORIGINS.
 */
export function isForeignHost(request: Request): boolean {
  const host = request.headers.get('host') ?? new URL(request.url).host;
  const name = hostName(host);
  if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return false;
  const machine = os.hostname().toLowerCase();
  if (name === machine || name === `${machine}.local`) return false;
  return ![...allowedOrigins()].some((origin) => {
    try {
      return new URL(origin).hostname.toLowerCase() === name;
    } catch {
      return false;
    }
  });
}

/** The host's name without its port or IPv6 brackets, in lower case. */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(host);
  if (bracketed) return bracketed[1].toLowerCase();
  return host.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
}

const FOREIGN_HOST_MESSAGE =
  'Refused: this server is not known by the name in the address. Open it by its IP address or host name, or add the address people use to PIPELOOM_ALLOWED_ORIGINS.';

const CROSS_SITE_MESSAGE =
  'Refused: this request comes from another site. Pipeloom accepts changes only from its own pages (set PIPELOOM_ALLOWED_ORIGINS for a reverse proxy).';

type Handler<C> = (request: Request, context: C) => Promise<Response>;

/** Wraps a route handler: unknown host names and cross-site changes refused with 403, request problems answered plainly, anything else a plain 500. */
export function guarded<C = unknown>(handler: Handler<C>): (request: Request, context?: C) => Promise<Response> {
  return async (request, context) => {
    if (isForeignHost(request)) return errorResponse(403, FOREIGN_HOST_MESSAGE);
    if (isCrossSite(request)) return errorResponse(403, CROSS_SITE_MESSAGE);
    try {
      // Next always passes the context (route params); a route without params ignores it.
      return await handler(request, context as C);
    } catch (error) {
      if (error instanceof RequestError) return errorResponse(error.status, error.message, error.field, error.details);
      console.error(`${request.method} ${new URL(request.url).pathname} failed`, error);
      return errorResponse(500, publicErrorMessage(error));
    }
  };
}

/**
 * The request body, read up to `maxBytes`: a bigger one (by its Content-Length, or once the bytes
 * read pass the limit) is refused with 413 without reading the rest.
 */
export async function readBody(request: Request, maxBytes: number, limitName: string): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () => new RequestError(413, `The request body is larger than the limit of ${formatMb(maxBytes)} (${limitName}).`);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** A JSON body read within the limit; 400 when it is not JSON. */
export async function readJsonBody(request: Request, maxBytes: number, limitName: string): Promise<unknown> {
  const bytes = await readBody(request, maxBytes, limitName);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new RequestError(400, 'The request body is not valid JSON.');
  }
}

function formatMb(bytes: number): string {
  const mb = bytes / 2 ** 20;
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

/** A megabyte limit from the environment, or its default. */
export function megabytes(variable: string, fallback: number): number {
  const value = Number(process.env[variable]);
  return (Number.isFinite(value) && value > 0 ? value : fallback) * 2 ** 20;
}

/**
 * Content-Disposition for a download named `fileName` (RFC 6266): a plain-ASCII `filename` for old
 * clients and the exact name, percent-encoded as UTF-8, in `filename*`. Control characters (CR, LF,
 * NUL) are dropped, so no name can break the header.
 */
export function attachment(fileName: string): string {
  const clean = fileName.replace(/\p{Cc}/gu, '').trim() || 'download';
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** The most characters of a client's value that an error message repeats back. */
const ECHO_LIMIT = 100;

/**
 * A client's value as an error message quotes it: text and numbers as JSON, cut at about 100
 * characters; objects and lists by what they are (never walked: they may nest without end).
 */
export function echo(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value.length > ECHO_LIMIT ? value.slice(0, ECHO_LIMIT) : value) : String(value);
  return typeof value === 'string' && value.length > ECHO_LIMIT ? `${text.slice(0, -1)}…" (${value.length} characters)` : text;
}
