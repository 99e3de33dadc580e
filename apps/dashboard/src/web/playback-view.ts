// The page's "Now playing", "Continue watching" and "Ratings" panels (issue 18). Rendered with
// the page, then kept current by dashboard.js, which polls GET /playback.json (the page's
// session, not the API's token) and rewrites the two playback tables: the CSP forbids inline
// scripts, so the script is the /assets file.
import type { PlaybackItem, RatingItem } from '@plexhook/db';
import { html, type SafeHtml } from './html';

/** How often the page asks for the playback panels again. */
export const PLAYBACK_REFRESH_MS = 5_000;

export type PlaybackPanels = { nowPlaying: PlaybackItem[]; continueWatching: PlaybackItem[] };

/** One row of either playback table, as the page and its script both show it. */
export type PlaybackRow = {
  user: string;
  title: string;
  player: string;
  state: string;
  progress: string;
  updatedAt: string;
};

const episodeCode = (season: number | null, episode: number | null) =>
  season === null && episode === null
    ? ''
    : ` S${String(season ?? '?').padStart(2, '0')}E${String(episode ?? '?').padStart(2, '0')}`;

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
};

export function playbackRow(i: PlaybackItem, userNames: Map<number, string>): PlaybackRow {
  const title =
    i.mediaType === 'episode'
      ? `${i.showTitle ?? '?'}${episodeCode(i.season, i.episode)} · ${i.title}`
      : i.title;
  const progress =
    i.durationMs === null
      ? clock(i.positionMs)
      : `${clock(i.positionMs)} / ${clock(i.durationMs)}${i.percent === null ? '' : ` (${Math.round(i.percent)}%)`}`;
  return {
    user: userNames.get(i.userId) ?? `user ${i.userId}`,
    title,
    player: i.player ?? '',
    state: i.state,
    progress,
    updatedAt: i.updatedAt.toISOString().slice(0, 16).replace('T', ' '),
  };
}

export function playbackJsonOf(panels: PlaybackPanels, userNames: Map<number, string>) {
  return {
    nowPlaying: panels.nowPlaying.map((i) => playbackRow(i, userNames)),
    continueWatching: panels.continueWatching.map((i) => playbackRow(i, userNames)),
  };
}

const rowHtml = (r: PlaybackRow) =>
  html`<tr><td>${r.user}</td><td class="title">${r.title}</td><td>${r.player}</td><td><span class="badge ${r.state}">${r.state}</span></td><td class="num">${r.progress}</td><td>${r.updatedAt}</td></tr>`;

const HEAD = html`<thead><tr><th>User</th><th>Title</th><th>Player</th><th>State</th><th class="num">Position</th><th>Last event (UTC)</th></tr></thead>`;

function table(id: string, rows: PlaybackRow[], empty: string): SafeHtml {
  return html`<table id="${id}" data-empty="${empty}">
    ${HEAD}
    <tbody>${rows.length ? rows.map(rowHtml) : html`<tr><td colspan="6" class="muted">${empty}</td></tr>`}</tbody>
  </table>`;
}

function ratingTitle(r: RatingItem): string {
  const what = r.title ?? '?';
  return r.mediaType === 'episode' ? `${what}${episodeCode(r.season, r.episode)}` : what;
}

export function playbackSection(
  panels: PlaybackPanels,
  ratings: RatingItem[],
  userNames: Map<number, string>,
): SafeHtml {
  const json = playbackJsonOf(panels, userNames);
  const ratingRows = ratings.map(
    (r) =>
      html`<tr><td>${userNames.get(r.userId) ?? `user ${r.userId}`}</td><td>${r.mediaType}</td><td class="title">${ratingTitle(r)}</td><td class="num">${r.rating}/10</td><td>${r.ratedAt.toISOString().slice(0, 16).replace('T', ' ')}</td></tr>`,
  );
  return html`<section id="playback" data-playback-url="/playback.json" data-refresh-ms="${String(PLAYBACK_REFRESH_MS)}">
  <h2>Now playing <span class="count" id="now-playing-count">${json.nowPlaying.length}</span></h2>
  ${table('now-playing', json.nowPlaying, 'Nothing is playing.')}
  <h2>Continue watching</h2>
  ${table('continue-watching', json.continueWatching, 'Nothing in progress.')}
  <h2>Ratings</h2>
  <table id="ratings">
    <thead><tr><th>User</th><th>Kind</th><th>Title</th><th class="num">Rating</th><th>Rated (UTC)</th></tr></thead>
    <tbody>${ratingRows.length ? ratingRows : html`<tr><td colspan="5" class="muted">No ratings yet.</td></tr>`}</tbody>
  </table>
</section>`;
}
