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
