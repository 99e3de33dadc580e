import { createHash, randomBytes } from 'node:crypto';

/** Secrets are stored and looked up as SHA-256 hex digests, never in clear. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** 32 random bytes, URL-safe: the only copy is the webhook URL shown to the user once. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}
