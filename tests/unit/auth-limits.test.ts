import { describe, expect, it } from 'vitest';
import { recordSignIn, recordSignUp, signInBlockedFor, signUpAllowed } from '../../server/auth/auth-limits';

describe('limits beside better-auth’s per-address rate limit', () => {
  it('locks an account after 10 wrong passwords in 15 minutes, whatever the address, until the window passes', () => {
    const t0 = 1_000_000_000;
    for (let i = 0; i < 9; i++) recordSignIn('a@example.com', false, t0 + i * 1000);
    expect(signInBlockedFor('a@example.com', t0 + 9000)).toBe(0);
    recordSignIn('a@example.com', false, t0 + 10_000);
    expect(signInBlockedFor('a@example.com', t0 + 10_000)).toBe(15);
    expect(signInBlockedFor('b@example.com', t0 + 10_000)).toBe(0);
    // The oldest failure leaves the window 15 minutes after it happened.
    expect(signInBlockedFor('a@example.com', t0 + 15 * 60_000 + 1)).toBe(0);
  });

  it('a successful sign-in forgets the failures', () => {
    const t0 = 2_000_000_000;
    for (let i = 0; i < 9; i++) recordSignIn('c@example.com', false, t0);
    recordSignIn('c@example.com', true, t0);
    recordSignIn('c@example.com', false, t0);
    expect(signInBlockedFor('c@example.com', t0)).toBe(0);
  });

  it('takes at most 20 new accounts a minute, server-wide; refused attempts do not count', () => {
    const t0 = 3_000_000_000;
    // Attempts that made no account (asked only): the share is untouched.
    for (let i = 0; i < 50; i++) expect(signUpAllowed(t0)).toBe(true);
    const answers = Array.from({ length: 22 }, (_, i) => {
      const allowed = signUpAllowed(t0 + i);
      if (allowed) recordSignUp(t0 + i);
      return allowed;
    });
    expect(answers.filter(Boolean)).toHaveLength(20);
    expect(answers.slice(20)).toEqual([false, false]);
    expect(signUpAllowed(t0 + 60_000)).toBe(true);
  });
});
