import { notFound } from '@plexhook/core';
import {
  createUserWithSecret,
  type Db,
  findUserSummary,
  rotateSecret,
  updatePlexConfigOf,
  webhookUrl,
  webhookUrls,
} from '@plexhook/db';
import { z } from 'zod';
import { parseInput } from '../validation';
import { type PlaybackSettings, PlaybackSettingsSchema, publicPlaybackSettings } from './playback';

export const CreateUserSchema = z.object({ name: z.string().trim().min(1).max(200) });

const Usernames = z.array(z.string().trim().min(1).max(200)).max(100);
const ServerUrl = z.url({ protocol: /^https?$/ }).nullable();
const ApiKey = z.string().min(1).max(500).nullable();

/** Jellyfin's and Emby's settings (issue 16): the server for series lookups (URL and API key,
 * both needed), the accounts allow-list (empty = every account), cross-source dedupe. */
const MediaServerSettingsSchema = z.object({
  jellyfinServerUrl: ServerUrl,
  jellyfinApiKey: ApiKey,
  jellyfinUsernames: Usernames,
  embyServerUrl: ServerUrl,
  embyApiKey: ApiKey,
  embyUsernames: Usernames,
  dedupeAcrossSources: z.boolean(),
});

export const PlexConfigPatchSchema = z
  .object({
    enabled: z.boolean(),
    plexUsernames: z.array(z.string().trim().min(1).max(200)).max(100),
    autoMarkWatched: z.boolean(),
    autoResolve: z.boolean(),
    matchThreshold: z.number().min(0).max(1),
    plexServerUrl: z.url({ protocol: /^https?$/ }).nullable(),
    plexToken: z.string().min(1).max(500).nullable(),
    /** Continuous history sync from plexServerUrl (issue 15), and how often (minutes). */
    historySyncEnabled: z.boolean(),
    historySyncIntervalMinutes: z.number().int().min(1).max(10_080),
    ...PlaybackSettingsSchema.shape,
    ...MediaServerSettingsSchema.shape,
  })
  .partial()
  .strict();
export type PlexConfigPatch = z.infer<typeof PlexConfigPatchSchema>;

/** The secret appears only in this answer (and on rotation): it is stored hashed. `webhookUrl`
 * is Plex's (as before); `webhookUrls` has the Jellyfin and Emby ones too (same secret). */
export type UserWithWebhook = {
  user: { id: number; name: string };
  webhookUrl: string;
  webhookUrls: ReturnType<typeof webhookUrls>;
};

export async function createUser(db: Db, publicBaseUrl: string, body: unknown): Promise<UserWithWebhook> {
  const { name } = parseInput(CreateUserSchema, body);
  const created = await createUserWithSecret(db, name);
  return {
    user: { id: created.id, name: created.name },
    webhookUrl: webhookUrl(publicBaseUrl, created.secret),
    webhookUrls: webhookUrls(publicBaseUrl, created.secret),
  };
}

export async function rotateUserSecret(
  db: Db,
  publicBaseUrl: string,
  userId: number,
): Promise<UserWithWebhook> {
  const user = await findUserSummary(db, userId);
  const secret = user ? await rotateSecret(db, userId) : null;
  if (!user || secret === null) throw notFound(`user ${userId} not found`);
  return {
    user,
    webhookUrl: webhookUrl(publicBaseUrl, secret),
    webhookUrls: webhookUrls(publicBaseUrl, secret),
  };
}

/** The config as shown to the admin: never the secret hash, and the Plex token and the API keys
 * only as "set". */
export function publicPlexConfig(
  config: {
    userId: number;
    enabled: boolean;
    plexUsernames: string[];
    autoMarkWatched: boolean;
    autoResolve: boolean;
    matchThreshold: number;
    plexServerUrl: string | null;
    plexToken: string | null;
    jellyfinServerUrl: string | null;
    jellyfinApiKey: string | null;
    jellyfinUsernames: string[];
    embyServerUrl: string | null;
    embyApiKey: string | null;
    embyUsernames: string[];
    dedupeAcrossSources: boolean;
    historySyncEnabled: boolean;
    historySyncIntervalMinutes: number;
    updatedAt: Date;
  } & PlaybackSettings,
) {
  const { plexToken, ...rest } = config;
  return {
    userId: rest.userId,
    enabled: rest.enabled,
    plexUsernames: rest.plexUsernames,
    autoMarkWatched: rest.autoMarkWatched,
    autoResolve: rest.autoResolve,
    matchThreshold: rest.matchThreshold,
    plexServerUrl: rest.plexServerUrl,
    plexTokenSet: plexToken !== null,
    jellyfinServerUrl: rest.jellyfinServerUrl,
    jellyfinApiKeySet: rest.jellyfinApiKey !== null,
    jellyfinUsernames: rest.jellyfinUsernames,
    embyServerUrl: rest.embyServerUrl,
    embyApiKeySet: rest.embyApiKey !== null,
    embyUsernames: rest.embyUsernames,
    dedupeAcrossSources: rest.dedupeAcrossSources,
    historySyncEnabled: rest.historySyncEnabled,
    historySyncIntervalMinutes: rest.historySyncIntervalMinutes,
    ...publicPlaybackSettings(rest),
    updatedAt: rest.updatedAt,
  };
}

export async function updatePlexConfig(db: Db, userId: number, body: unknown) {
  const patch = parseInput(PlexConfigPatchSchema, body);
  const row = await updatePlexConfigOf(db, userId, patch);
  if (!row) throw notFound(`user ${userId} not found`);
  return publicPlexConfig(row);
}
