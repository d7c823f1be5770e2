import { createHash, randomBytes } from 'node:crypto';

/**
 * Secrets handed out once and looked up by hash (API keys, invite and share links): random bytes
 * (base64url) after a prefix that says what the secret is. Only the SHA-256 is stored: a secret of
 * this much entropy needs no slow hash.
 */
export function newSecret(prefix: string, bytes: number): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
