// The dashboard works without this file; it only adds two conveniences. Served as a file:
// the Content-Security-Policy forbids inline scripts.

// The log filter applies as soon as a status is chosen.
document.addEventListener('change', (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.dataset.autosubmit !== undefined && target.form) {
    target.form.requestSubmit();
  }
});

// Forms with data-confirm (ignore a show, unmap) ask first.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// Now playing and Continue watching stay current without a reload: the section says where its
// data is (the page's own session, not the API token) and how often to ask. Rows are built with
// textContent, so a title from Plex is text, never markup.
const playback = document.getElementById('playback');
if (playback?.dataset.playbackUrl) {
  const url = playback.dataset.playbackUrl;
  const every = Number(playback.dataset.refreshMs) || 5000;
  const fill = (id, rows) => {
    const table = document.getElementById(id);
    const body = table?.tBodies[0];
    if (!body) return;
    const fresh = document.createElement('tbody');
    if (rows.length === 0) {
      const cell = fresh.insertRow().insertCell();
      cell.colSpan = 6;
      cell.className = 'muted';
      cell.textContent = table.dataset.empty ?? '';
    }
    for (const r of rows) {
      const tr = fresh.insertRow();
      const cells = [r.user, r.title, r.player, r.state, r.progress, r.updatedAt];
      cells.forEach((value, i) => {
        const td = tr.insertCell();
        if (i === 1) td.className = 'title';
        if (i === 4) td.className = 'num';
        if (i === 3) {
          const badge = document.createElement('span');
          badge.className = `badge ${value}`;
          badge.textContent = value;
          td.append(badge);
        } else td.textContent = value;
      });
    }
    body.replaceWith(fresh);
  };
  const refresh = async () => {
    try {
      const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (!res.ok) return;
      const data = await res.json();
      fill('now-playing', data.nowPlaying);
      fill('continue-watching', data.continueWatching);
      const count = document.getElementById('now-playing-count');
      if (count) count.textContent = String(data.nowPlaying.length);
      playback.dataset.refreshedAt = new Date().toISOString();
    } catch {
      // Offline for a moment: the next tick tries again.
    }
  };
  setInterval(refresh, every);
}
