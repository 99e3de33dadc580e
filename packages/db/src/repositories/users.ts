import type { DbOrTx } from '../client';
import { generateSecret, hashSecret } from './secrets';

export type CreatedUser = { id: number; name: string; secret: string };

/** Creates a user with its Plex config; the clear secret is returned once and never stored. */
export async function createUserWithSecret(db: DbOrTx, name: string): Promise<CreatedUser> {
  const secret = generateSecret();
  const user = await db.user.create({
    data: { name, plexConfig: { create: { webhookSecretHash: hashSecret(secret) } } },
  });
  return { id: user.id, name: user.name, secret };
}

/** Replaces the secret: the old webhook URL stops working (after ingest's cache TTL). */
export async function rotateSecret(db: DbOrTx, userId: number): Promise<string | null> {
  const secret = generateSecret();
  const updated = await db.plexConfig.updateMany({
    where: { userId },
    data: { webhookSecretHash: hashSecret(secret) },
  });
  return updated.count === 1 ? secret : null;
}

export function webhookUrl(publicBaseUrl: string, secret: string): string {
  const url = new URL('/api/plex/webhook', publicBaseUrl);
  url.searchParams.set('secret', secret);
  return url.toString();
}
