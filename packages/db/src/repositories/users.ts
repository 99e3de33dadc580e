import type { DbOrTx } from '../client';
import type { PlexConfig, Prisma, User } from '../generated/client';
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

/** Ingest's webhook route per media server (one secret for all three). */
export const WEBHOOK_PATH_OF = {
  plex: '/api/plex/webhook',
  jellyfin: '/api/jellyfin/webhook',
  emby: '/api/emby/webhook',
} as const;

export function webhookUrl(
  publicBaseUrl: string,
  secret: string,
  source: keyof typeof WEBHOOK_PATH_OF = 'plex',
): string {
  const url = new URL(WEBHOOK_PATH_OF[source], publicBaseUrl);
  url.searchParams.set('secret', secret);
  return url.toString();
}

/** The user's three webhook URLs: Plex, Jellyfin (plugin's Generic destination), Emby. */
export function webhookUrls(
  publicBaseUrl: string,
  secret: string,
): Record<keyof typeof WEBHOOK_PATH_OF, string> {
  return {
    plex: webhookUrl(publicBaseUrl, secret, 'plex'),
    jellyfin: webhookUrl(publicBaseUrl, secret, 'jellyfin'),
    emby: webhookUrl(publicBaseUrl, secret, 'emby'),
  };
}

/** A user's id and name, or null. */
export function findUserSummary(db: DbOrTx, id: number): Promise<{ id: number; name: string } | null> {
  return db.user.findUnique({ where: { id }, select: { id: true, name: true } });
}

/** The oldest user with this name (names are not unique), or null. */
export function findUserByName(db: DbOrTx, name: string): Promise<User | null> {
  return db.user.findFirst({ where: { name }, orderBy: { id: 'asc' } });
}

/** Names of the users among `ids` that exist, by id. */
export async function userNamesById(db: DbOrTx, ids: Iterable<number>): Promise<Map<number, string>> {
  const users = await db.user.findMany({ where: { id: { in: [...ids] } }, select: { id: true, name: true } });
  return new Map(users.map((u) => [u.id, u.name]));
}

export type PlexConfigUpdate = Prisma.PlexConfigUpdateManyMutationInput;

/** Applies `patch` to a user's Plex config; the updated row, or null when the user has none. */
export async function updatePlexConfigOf(
  db: DbOrTx,
  userId: number,
  patch: PlexConfigUpdate,
): Promise<PlexConfig | null> {
  const updated = await db.plexConfig.updateManyAndReturn({ where: { userId }, data: patch });
  return updated[0] ?? null;
}
