/**
 * Where to go after signing in or up (`?next=`): a path of this site only — it starts with "/" and
 * not "//" or "/\" (which a browser reads as another host), with no control characters — else home.
 */
export function nextPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return /[\u0000-\u001f\u007f]/.test(value) ? '/' : value;
}

/** The sign-in page that comes back to `path` once signed in. */
export const signInToReturn = (path: string) => `/sign-in?next=${encodeURIComponent(path)}`;
