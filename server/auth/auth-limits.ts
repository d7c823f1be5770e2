/**
 * Limits of our own beside better-auth's per-address rate limit, which a client can dodge by sending
 * a made-up X-Forwarded-For. Failed sign-ins per account email: after MAX_FAILURES wrong passwords
 * for one email in WINDOW_MS, signing in to it is refused until the window has passed, from any
 * address. New accounts: a server-wide cap per minute.
 */
const MAX_FAILURES = 10;
const WINDOW_MS = 15 * 60_000;
/** Bounds the memory a flood of made-up emails can take. */
const MAX_TRACKED = 10_000;

const failures = new Map<string, number[]>();

function recent(email: string, now: number): number[] {
  const times = (failures.get(email) ?? []).filter((t) => now - t < WINDOW_MS);
  if (times.length) failures.set(email, times);
  else failures.delete(email);
  return times;
}

/** Minutes until `email` may try again, or 0 when it may now. */
export function signInBlockedFor(email: string, now = Date.now()): number {
  const times = recent(email, now);
  if (times.length < MAX_FAILURES) return 0;
  return Math.max(1, Math.ceil((times[0] + WINDOW_MS - now) / 60_000));
}

/** New accounts per minute, server-wide: the per-address limit alone can be dodged with made-up addresses. */
const MAX_SIGN_UPS_PER_MINUTE = 20;
const signUps: number[] = [];

/** Whether the server takes another new account this minute (only accounts made count: refused attempts cannot use up the share). */
export function signUpAllowed(now = Date.now()): boolean {
  while (signUps.length && now - signUps[0] >= 60_000) signUps.shift();
  return signUps.length < MAX_SIGN_UPS_PER_MINUTE;
}

export function recordSignUp(now = Date.now()): void {
  signUps.push(now);
}

export function recordSignIn(email: string, succeeded: boolean, now = Date.now()): void {
  if (succeeded) {
    failures.delete(email);
    return;
  }
  const times = recent(email, now);
  times.push(now);
  failures.delete(email);
  failures.set(email, times);
  if (failures.size > MAX_TRACKED) failures.delete(failures.keys().next().value!);
}
