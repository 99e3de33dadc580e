// The page's "Plex history" section (issue 15): per user the last sync, the rows imported, the
// last error and a "Sync now" button; below, the unmarks Plex reported (never a deleted watch).
import { type Db, listSyncStates, listUnmarks } from '@plexhook/db';
import { html, type SafeHtml } from './html';

export type HistoryPanel = {
  states: Awaited<ReturnType<typeof listSyncStates>>;
  unmarks: Awaited<ReturnType<typeof listUnmarks>>;
};

export async function historyPanel(db: Db): Promise<HistoryPanel> {
  const [states, unmarks] = await Promise.all([listSyncStates(db), listUnmarks(db, 10)]);
  return { states, unmarks };
}

const when = (d: Date | null | undefined) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '—');

export function historySection(panel: HistoryPanel, csrf: string, userNames?: Map<number, string>): SafeHtml {
  const rows = panel.states.map(
    (s) => html`<tr>
  <td>${s.userName} <span class="muted">#${s.userId}</span></td>
  <td>${s.configured ? (s.enabled ? `every ${s.intervalMinutes} min` : 'off') : html`<span class="muted">no Plex server</span>`}</td>
  <td>${when(s.lastSyncAt)}</td>
  <td>${when(s.lastSuccessAt)}</td>
  <td>${s.rowsImported} <span class="muted">(last run ${s.lastRunRows})</span></td>
  <td>${when(s.cursorViewedAt)}</td>
  <td>${s.lastError ? html`<span class="error" title="${when(s.lastErrorAt)}">${s.lastError}</span>` : '—'}</td>
  <td>${
    s.configured
      ? html`<form method="post" action="/users/${s.userId}/history-sync" class="inline">
      <input type="hidden" name="csrf" value="${csrf}">
      <button type="submit">Sync now</button>
    </form>`
      : ''
  }</td>
</tr>`,
  );
  const unmarks = panel.unmarks.map(
    (u) =>
      html`<li>${when(u.receivedAt)} · ${u.userId ? (userNames?.get(u.userId) ?? `user ${u.userId}`) : '?'} · ${u.plexTitle ?? '?'}: ${u.errorMessage ?? ''}</li>`,
  );
  return html`<section id="history">
  <h2>Plex history</h2>
  <p class="muted">Plays read from each user's Plex server (history:import, and a sync every interval): plays webhooks missed and manual marks.</p>
  ${
    rows.length
      ? html`<table><thead><tr><th>User</th><th>Sync</th><th>Last sync</th><th>Last success</th><th>Rows imported</th><th>Cursor (viewedAt)</th><th>Last error</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<p class="muted">No users.</p>`
  }
  ${
    unmarks.length
      ? html`<h3>Unmarked in Plex</h3><p class="muted">Plex's view count went down; plexhook kept the watches.</p><ul>${unmarks}</ul>`
      : ''
  }
</section>`;
}
