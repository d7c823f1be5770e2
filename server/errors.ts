/**
 * What a client may see of an error. Messages written for people (a node's "the split leaves no test
 * rows", an upload's "row 12 has 3 columns") pass, with any absolute path cut to its last part;
 * programming errors (a TypeError deep in a library) and database or file-system failures become a
 * plain sentence, and their details go to the server log only.
 */
const PROGRAMMING_ERRORS = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError', 'EvalError', 'URIError', 'SqliteError']);

export const INTERNAL_MESSAGE = 'Something went wrong inside Pipeloom; the server log has the details.';
export const DISK_FULL_MESSAGE = "The server's disk is full: free some space (delete datasets or saved models, or raise the disk), then try again.";

/** Absolute paths (/x/y, C:\x) inside a message: only the last part is kept. */
const ABSOLUTE_PATH = /(?<=^|[\s'"`(=])(?:[A-Za-z]:\\|\/)(?:[^\s'"`:,()]+[\\/])+([^\s'"`:,()]*)/g;

export function isDiskFull(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ENOSPC' || code === 'SQLITE_FULL' || (typeof message === 'string' && /ENOSPC|database or disk is full/.test(message));
}

export function publicErrorMessage(error: unknown): string {
  if (isDiskFull(error)) return DISK_FULL_MESSAGE;
  if (!(error instanceof Error) || PROGRAMMING_ERRORS.has(error.name) || 'errno' in error) return INTERNAL_MESSAGE;
  return scrubPaths(error.message);
}

export function scrubPaths(message: string): string {
  return message.replace(ABSOLUTE_PATH, (_match, last: string) => last || '…');
}
