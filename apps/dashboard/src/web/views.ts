import type {
  ConflictWithHeld,
  MappingItem,
  RatingItem,
  WebhookLogPage,
  WebhookStats,
  WebhookStatus,
} from '@plexhook/db';
import { CHART_STATUSES, hourlyChart } from './chart';
import { type HistoryPanel, historySection } from './history-view';
import type { HourlyBucket } from './hourly-stats';
import { html, type SafeHtml } from './html';
import { type PlaybackPanels, playbackSection } from './playback-view';
import type { Flash } from './session';

export const ASSETS_PATH = '/assets';
/** The same as app.ts's BULL_BOARD_PATH (not imported: app.ts imports this module). */
export const BULL_BOARD_LINK = '/admin/queues';
export const LOG_STATUSES: WebhookStatus[] = ['success', 'failed', 'ignored', 'duplicate'];

/** A potential_matches item as the worker stores it (a show or a movie candidate). */
export type Candidate = {
  tvshowId?: number;
  movieId?: number;
  title?: string;
  year?: number | null;
  confidence?: number;
  titleScore?: number;
  evidence?: { kind?: string; ok?: boolean; detail?: string; weight?: number }[];
};

export type QueueCounts = { waiting: number; active: number; failed: number; delayed: number } | null;

export type DashboardView = {
  /** Plex history sync per user and the unmarks reported (issue 15). */
  history?: HistoryPanel;
  csrf: string;
  flash: Flash | null;
  now: Date;
  conflicts: ConflictWithHeld[];
  logs: WebhookLogPage['items'];
  logStatus: WebhookStatus | undefined;
  stats: WebhookStats;
  hourly: HourlyBucket[];
  queue: QueueCounts;
  queueError: string | null;
  mappings: MappingItem[];
  userNames: Map<number, string>;
  /** Failed rows retried already: log id → the retry's own log row. */
  retries?: Map<number, { id: number; status: WebhookStatus }>;
  /** Now playing, continue watching and ratings (issue 18). */
  playback?: { panels: PlaybackPanels; ratings: RatingItem[] };
};

const when = (d: Date | null | undefined) =>
  d ? html`<time datetime="${d.toISOString()}">${d.toISOString().slice(0, 16).replace('T', ' ')}</time>` : '';
const pct = (n: number | undefined) => (typeof n === 'number' ? `${Math.round(n * 100)}%` : '–');
const yearOf = (d: Date | null | undefined) => (d ? d.getUTCFullYear() : null);
const titleYear = (title: string, year: number | null | undefined) => (year ? `${title} (${year})` : title);
/** Which media server a row, mapping or conflict came from (issue 16). */
const SOURCE_NAMES: Record<string, string> = { plex: 'Plex', jellyfin: 'Jellyfin', emby: 'Emby' };
const sourceName = (source: string) => SOURCE_NAMES[source] ?? source;
/** A source's key as the page names it: Plex's rating key, or a Jellyfin/Emby id on its server. */
const sourceKey = (r: { source: string; serverId: string; plexRatingKey: string }) =>
  r.source === 'plex'
    ? html`Plex rating key <code>${r.plexRatingKey}</code>`
    : html`${sourceName(r.source)} key <code>${r.plexRatingKey}</code>${r.serverId ? html` on server <code>${r.serverId}</code>` : ''}`;

export function candidatesOf(conflict: ConflictWithHeld): Candidate[] {
  const raw = conflict.potentialMatches;
  return Array.isArray(raw) ? (raw.filter((c) => typeof c === 'object' && c !== null) as Candidate[]) : [];
}

function layout(title: string, body: SafeHtml, options: { csrf?: string } = {}): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${ASSETS_PATH}/dashboard.css">
<script src="${ASSETS_PATH}/dashboard.js" defer></script>
</head>
<body>
<header class="top">
  <h1><a href="/">plexhook</a></h1>
  ${
    options.csrf
      ? html`<nav>
    <a href="#playback">Now playing</a>
    <a href="#conflicts">Conflicts</a>
    <a href="#activity">Activity</a>
    <a href="#logs">Webhooks</a>
    <a href="#mappings">Mappings</a>
    <a href="#history">History</a>
    <a href="${BULL_BOARD_LINK}">Bull Board</a>
    <form method="post" action="/logout" class="inline">
      <input type="hidden" name="csrf" value="${options.csrf}">
      <button type="submit" class="link">Log out</button>
    </form>
  </nav>`
      : ''
  }
</header>
<main>
${body}
</main>
</body>
</html>`;
}

export function loginPage(options: { csrf: string; error?: string }): SafeHtml {
  return layout(
    'plexhook: log in',
    html`<section class="login">
  <h2>Log in</h2>
  ${options.error ? html`<p class="flash error" role="alert">${options.error}</p>` : ''}
  <form method="post" action="/login">
    <input type="hidden" name="csrf" value="${options.csrf}">
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    <button type="submit">Log in</button>
  </form>
  <p class="hint">Paste the dashboard's <code>ADMIN_TOKEN</code> (in development it is printed when the dashboard starts).</p>
</section>`,
  );
}

export function messagePage(title: string, message: string, link: { href: string; text: string }): SafeHtml {
  return layout(
    `plexhook: ${title}`,
    html`<section class="login"><h2>${title}</h2><p>${message}</p><p><a href="${link.href}">${link.text}</a></p></section>`,
  );
}

export function logoutPage(csrf: string): SafeHtml {
  return layout(
    'plexhook: log out',
    html`<section class="login"><h2>Log out</h2>
  <form method="post" action="/logout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Log out</button></form>
</section>`,
    { csrf },
  );
}

function card(label: string, value: number | string, tone: 'alert' | 'plain' = 'plain', href?: string) {
  const inner = html`<span class="value">${value}</span><span class="label">${label}</span>`;
  return html`<div class="card ${tone}">${href ? html`<a href="${href}">${inner}</a>` : inner}</div>`;
}

function summary(v: DashboardView): SafeHtml {
  const q = v.queue;
  return html`<section class="cards" aria-label="At a glance">
  ${card('unresolved conflicts', v.stats.unresolvedConflicts, v.stats.unresolvedConflicts > 0 ? 'alert' : 'plain', '#conflicts')}
  ${card('failed in 24 h', v.stats.failedCount, v.stats.failedCount > 0 ? 'alert' : 'plain', '/?status=failed#logs')}
  ${card('queue waiting', q ? q.waiting + q.delayed : '?')}
  ${card('queue active', q ? q.active : '?')}
  ${card('queue failed', q ? q.failed : '?', q && q.failed > 0 ? 'alert' : 'plain', BULL_BOARD_LINK)}
</section>
${v.queueError ? html`<p class="flash error">Queue unreachable: ${v.queueError}</p>` : ''}`;
}

function evidenceList(candidate: Candidate): SafeHtml {
  const items = (candidate.evidence ?? []).map((e) => {
    const weight =
      typeof e.weight === 'number' && e.weight !== 0
        ? `${e.weight > 0 ? '+' : '−'}${Math.abs(e.weight).toFixed(2)}`
        : '';
    return html`<li class="${e.ok ? 'ok' : 'bad'}"><span class="mark">${e.ok ? '✓' : '✗'}</span> <b>${e.kind ?? '?'}</b> ${e.detail ?? ''} ${weight ? html`<span class="weight">${weight}</span>` : ''}</li>`;
  });
  return items.length
    ? html`<ul class="evidence">${items}</ul>`
    : html`<span class="muted">no evidence</span>`;
}

function conflictBlock(conflict: ConflictWithHeld, v: DashboardView): SafeHtml {
  const isMovie = conflict.mediaType === 'movie';
  const candidates = candidatesOf(conflict);
  const action = `/conflicts/${conflict.id}/resolve`;
  const csrf = html`<input type="hidden" name="csrf" value="${v.csrf}">`;
  const rows = candidates.map((c) => {
    const targetId = isMovie ? c.movieId : c.tvshowId;
    return html`<tr data-candidate="${targetId ?? ''}">
  <td class="title">${titleYear(c.title ?? '?', c.year)}<div class="muted small">${isMovie ? 'movie' : 'show'} #${targetId ?? '?'}</div></td>
  <td class="num"><meter min="0" max="1" value="${c.confidence ?? 0}"></meter> ${pct(c.confidence)}<div class="muted small">title ${pct(c.titleScore)}</div></td>
  <td>${evidenceList(c)}</td>
  <td>${
    targetId
      ? html`<form method="post" action="${action}">${csrf}<input type="hidden" name="action" value="select"><input type="hidden" name="${isMovie ? 'movieId' : 'tvshowId'}" value="${targetId}"><button type="submit">Select</button></form>`
      : ''
  }</td>
</tr>`;
  });
  const user = v.userNames.get(conflict.userId) ?? `user ${conflict.userId}`;
  return html`<article class="conflict" id="conflict-${conflict.id}">
  <header>
    <h3>${titleYear(conflict.plexTitle, conflict.plexYear)}</h3>
    <span class="badge ${conflict.conflictType}">${conflict.conflictType.replaceAll('_', ' ')}</span>
    <span class="muted">#${conflict.id} · ${user} · ${sourceKey(conflict)} · ${conflict.heldWebhooks} held scrobble${conflict.heldWebhooks === 1 ? '' : 's'} · ${when(conflict.createdAt)}</span>
  </header>
  ${
    rows.length
      ? html`<table class="candidates"><thead><tr><th>Candidate</th><th>Confidence</th><th>Evidence</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<p class="muted">No candidate in the catalogue.</p>`
  }
  <div class="actions">
    <details>
      <summary>Create new ${isMovie ? 'movie' : 'show'}…</summary>
      <form method="post" action="${action}" class="create">
        ${csrf}<input type="hidden" name="action" value="create">
        <label>Title <input name="title" required value="${conflict.plexTitle}"></label>
        ${
          isMovie
            ? html`<label>Year <input name="year" type="number" min="1870" max="2100" value="${conflict.plexYear ?? ''}"></label>`
            : html`<label>First aired <input name="firstAired" type="date"></label>`
        }
        <button type="submit">Create and map</button>
      </form>
    </details>
    <form method="post" action="${action}" data-confirm="Ignore this ${isMovie ? 'movie' : 'show'}? Its held scrobbles are dropped and later ones skipped.">
      ${csrf}<input type="hidden" name="action" value="ignore"><button type="submit" class="secondary">Ignore</button>
    </form>
  </div>
</article>`;
}

function conflictsSection(v: DashboardView): SafeHtml {
  return html`<section id="conflicts">
  <h2>Unresolved conflicts <span class="count">${v.conflicts.length}</span></h2>
  ${v.conflicts.length ? v.conflicts.map((c) => conflictBlock(c, v)) : html`<p class="muted">Nothing to decide.</p>`}
</section>`;
}

function statusBadge(status: string) {
  return html`<span class="badge ${status}">${status}</span>`;
}

function activitySection(v: DashboardView): SafeHtml {
  const byStatus = new Map(v.stats.byStatus.map((r) => [r.status, r]));
  const legend = CHART_STATUSES.map((s) => html`<span class="key ${s.status}"><i></i>${s.status}</span>`);
  return html`<section id="activity">
  <h2>Webhooks, last 24 h</h2>
  <div class="split">
    <figure>${hourlyChart(v.hourly)}<figcaption>${legend}<span class="muted">per hour, UTC</span></figcaption></figure>
    <table class="compact">
      <thead><tr><th>Status</th><th class="num">Count</th><th>Last</th></tr></thead>
      <tbody>${LOG_STATUSES.map((s) => {
        const row = byStatus.get(s);
        return html`<tr><td>${statusBadge(s)}</td><td class="num">${row?.count ?? 0}</td><td>${when(row?.lastAt)}</td></tr>`;
      })}</tbody>
      <thead><tr><th>Action</th><th class="num">Count</th><th>Last</th></tr></thead>
      <tbody>${v.stats.byAction.map(
        (r) =>
          html`<tr><td>${r.action ?? '–'}</td><td class="num">${r.count}</td><td>${when(r.lastAt)}</td></tr>`,
      )}</tbody>
    </table>
  </div>
</section>`;
}

/** A failed row's Retry button, or where its retry went. */
function retryCell(log: DashboardView['logs'][number], v: DashboardView): SafeHtml | string {
  if (log.status !== 'failed' || log.userId === null) return '';
  const retry = v.retries?.get(log.id);
  if (retry) return html`<span class="muted small">retried: #${retry.id} ${statusBadge(retry.status)}</span>`;
  return html`<form method="post" action="/webhook-logs/${log.id}/retry" class="inline">
    <input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="status" value="${v.logStatus ?? ''}"><button type="submit" class="secondary">Retry</button></form>`;
}

function logsSection(v: DashboardView): SafeHtml {
  const options = LOG_STATUSES.map(
    (s) => html`<option value="${s}"${v.logStatus === s ? html` selected` : ''}>${s}</option>`,
  );
  const rows = v.logs.map(
    (log) => html`<tr>
  <td>${when(log.receivedAt)}</td>
  <td>${log.userId ? (v.userNames.get(log.userId) ?? `user ${log.userId}`) : '–'}</td>
  <td>${sourceName(log.source)}</td>
  <td>${log.eventType ?? ''}</td>
  <td class="title">${log.plexTitle ?? ''}</td>
  <td>${statusBadge(log.status)}</td>
  <td>${log.actionTaken ?? ''}${log.conflictId ? html` <a href="#conflict-${log.conflictId}" class="muted">#${log.conflictId}</a>` : ''}</td>
  <td class="${log.status === 'failed' ? 'error-text' : 'note'}">${log.errorMessage ?? ''}</td>
  <td class="num">${log.durationMs ?? ''}</td>
  <td>${retryCell(log, v)}</td>
</tr>`,
  );
  return html`<section id="logs">
  <h2>Recent webhooks</h2>
  <form method="get" action="/" class="filter">
    <label>Status <select name="status" data-autosubmit><option value="">all</option>${options}</select></label>
    <button type="submit" class="secondary">Filter</button>
  </form>
  <table>
    <thead><tr><th>Received (UTC)</th><th>User</th><th>Source</th><th>Event</th><th>Title</th><th>Status</th><th>Action</th><th>Detail</th><th class="num">ms</th><th></th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="10" class="muted">No webhooks${v.logStatus ? ` with status ${v.logStatus}` : ''}.</td></tr>`}</tbody>
  </table>
</section>`;
}

function mappingTarget(m: MappingItem): SafeHtml | string {
  if (m.mediaType === 'show' && m.tvshow) return titleYear(m.tvshow.title, yearOf(m.tvshow.showStartDate));
  if (m.mediaType === 'movie' && m.movie) return titleYear(m.movie.title, m.movie.year);
  return html`<span class="muted">ignored</span>`;
}

function mappingsSection(v: DashboardView): SafeHtml {
  const rows = v.mappings.map(
    (m) => html`<tr id="mapping-${m.mediaType}-${m.id}">
  <td class="title">${titleYear(m.plexTitle, m.plexYear)}</td>
  <td>${m.mediaType}</td>
  <td>${sourceKey(m)}</td>
  <td>${v.userNames.get(m.userId) ?? `user ${m.userId}`}</td>
  <td class="title">${mappingTarget(m)}</td>
  <td>${m.matchMethod}</td>
  <td class="num">${pct(m.matchConfidence)}</td>
  <td>${when(m.updatedAt)}</td>
  <td><form method="post" action="/mappings/${m.id}/unmap" data-confirm="Unmap ${m.plexTitle}? Its next scrobble is matched again.">
    <input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="mediaType" value="${m.mediaType}"><button type="submit" class="secondary">Unmap</button></form></td>
</tr>`,
  );
  return html`<section id="mappings">
  <h2>Mappings</h2>
  <table>
    <thead><tr><th>Title on the server</th><th>Kind</th><th>Source and key</th><th>User</th><th>Catalogue entry</th><th>Method</th><th class="num">Confidence</th><th>Updated (UTC)</th><th></th></tr></thead>
    <tbody>${rows.length ? rows : html`<tr><td colspan="9" class="muted">No mappings yet.</td></tr>`}</tbody>
  </table>
</section>`;
}

export function dashboardPage(v: DashboardView): SafeHtml {
  return layout(
    v.stats.unresolvedConflicts ? `plexhook (${v.stats.unresolvedConflicts})` : 'plexhook',
    html`${v.flash ? html`<p class="flash ${v.flash.kind}" role="status">${v.flash.text}</p>` : ''}
${summary(v)}
${v.playback ? playbackSection(v.playback.panels, v.playback.ratings, v.userNames) : ''}
${conflictsSection(v)}
${activitySection(v)}
${logsSection(v)}
${mappingsSection(v)}
${v.history ? historySection(v.history, v.csrf, v.userNames) : ''}
<footer class="muted">Rendered ${when(v.now)} UTC · <a href="${BULL_BOARD_LINK}">Bull Board</a> (basic auth: any user name, the admin token as password)</footer>`,
    { csrf: v.csrf },
  );
}
