// GET /api/playback and GET /api/ratings (issue 18), registered on the /api router through
// operation() like every other route (so the OpenAPI document describes them).
import { PlaybackState } from '@plexhook/db';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { readPlayback, readRatings } from '../services/playback';
import { int4Param, parseInput } from '../validation';
import type { ApiDeps } from './api';
import type { ApiOperation } from './openapi';

const PlaybackQuery = z.object({
  userId: int4Param().optional(),
  state: z.enum(PlaybackState, { error: 'state must be playing, paused or stopped' }).optional(),
});
const RatingsQuery = z.object({ userId: int4Param().optional() });

const id = z.number().int().nullable();
const PlaybackListSchema = z.object({
  items: z.array(
    z.object({
      userId: z.number().int(),
      mediaType: z.enum(['episode', 'movie']),
      title: z.string(),
      showTitle: z.string().nullable(),
      season: z.number().int().nullable(),
      episode: z.number().int().nullable(),
      tvshowId: id,
      episodeId: id,
      movieId: id,
      state: z.enum(PlaybackState),
      positionMs: z.number().int(),
      durationMs: z.number().int().nullable(),
      percent: z.number().nullable(),
      player: z.string().nullable(),
      updatedAt: z.string().meta({ description: 'Time of the last event applied (ISO-8601)' }),
    }),
  ),
});
const RatingListSchema = z.object({
  items: z.array(
    z.object({
      userId: z.number().int(),
      mediaType: z.enum(['show', 'episode', 'movie']),
      tvshowId: id,
      episodeId: id,
      movieId: id,
      rating: z.number().meta({ description: '0-10' }),
      ratedAt: z.string(),
    }),
  ),
});

type Route = (op: ApiOperation, ...handlers: RequestHandler[]) => void;

export function playbackRoutes(route: Route, deps: ApiDeps & { graceSeconds: number }): void {
  route(
    {
      method: 'get',
      path: '/playback',
      tags: ['playback'],
      summary: 'Playback sessions, newest first (ids null where unmapped)',
      description:
        'A session with no event for longer than its remaining runtime plus PLAYBACK_STALE_GRACE_SECONDS reads as stopped.',
      query: PlaybackQuery,
      responses: { 200: { description: 'The sessions', schema: PlaybackListSchema } },
    },
    async (req, res) => {
      const q = parseInput(PlaybackQuery, req.query);
      res.json(await readPlayback(deps.db, { ...q, graceSeconds: deps.graceSeconds }));
    },
  );
  route(
    {
      method: 'get',
      path: '/ratings',
      tags: ['playback'],
      summary: 'Current ratings, newest first (cleared ones are not listed)',
      query: RatingsQuery,
      responses: { 200: { description: 'The ratings', schema: RatingListSchema } },
    },
    async (req, res) => {
      res.json(await readRatings(deps.db, parseInput(RatingsQuery, req.query)));
    },
  );
}
