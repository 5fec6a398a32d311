// marketdock shell: toasts for Django messages, notice pop-up, htmx toast events.
(function () {
  function showToasts(root) {
    (root || document).querySelectorAll('.toast:not(.md-shown)').forEach(function (el) {
      el.classList.add('md-shown');
      bootstrap.Toast.getOrCreateInstance(el).show();
    });
  }
  window.mdToast = function (text, level) {
    var box = document.getElementById('md-toasts');
    var el = document.createElement('div');
    el.className = 'toast align-items-center border-0 text-bg-' + (level || 'secondary');
    el.setAttribute('role', 'status');
    el.setAttribute('data-testid', 'toast');
    var inner = document.createElement('div');
    inner.className = 'd-flex';
    var body = document.createElement('div');
    body.className = 'toast-body';
    body.textContent = text;
    inner.appendChild(body);
    el.appendChild(inner);
    box.appendChild(el);
    showToasts(box);
  };
  document.addEventListener('DOMContentLoaded', function () {
    showToasts();
    // Notice pop-up: [확인 (다시 보지 않기)] records the dismissal on the server (never shown again);
    // the ✕ only closes it for this browser session so it does not reappear on every page.
    var notice = document.getElementById('md-notice');
    if (notice) {
      var ids = Array.prototype.map.call(notice.querySelectorAll('input[name=notice]'), function (i) { return i.value; }).join(',');
      var closed = '';
      try { closed = sessionStorage.getItem('md-notice-closed') || ''; } catch (e) { /* storage disabled */ }
      if (closed !== ids) {
        notice.addEventListener('hide.bs.modal', function () {
          try { sessionStorage.setItem('md-notice-closed', ids); } catch (e) { /* storage disabled */ }
        });
        bootstrap.Modal.getOrCreateInstance(notice).show();
      }
    }
  });
  // Server side can trigger: HX-Trigger: {"md:toast": {"text": "...", "level": "success"}}
  document.body && document.body.addEventListener('md:toast', function (ev) { mdToast(ev.detail.text, ev.detail.level); });
  document.addEventListener('htmx:afterSwap', function (ev) { showToasts(ev.target); });
  document.addEventListener('htmx:responseError', function (ev) {
    var d = document.getElementById('md-toasts').dataset;
    mdToast((ev.detail.xhr && ev.detail.xhr.status >= 500) ? d.msgServerError : d.msgRequestError, 'danger');
  });
  // select-all checkbox for grids: <input type=checkbox data-md-check-all="name"> (or
  // data-md-check-all-selector="css selector" for the boxes to follow it)
  document.addEventListener('change', function (ev) {
    var el = ev.target;
    if (!el.getAttribute) return;
    var name = el.getAttribute('data-md-check-all');
    var selector = el.getAttribute('data-md-check-all-selector') ||
      (name ? 'input[type=checkbox][name="' + name + '"]' : '');
    if (selector) document.querySelectorAll(selector).forEach(function (c) { c.checked = el.checked; });
    // <select data-md-autosubmit>: submit its form on change (language switch…)
    if (el.hasAttribute('data-md-autosubmit') && el.form) el.form.submit();
  });
  // No inline handlers (Content-Security-Policy): confirmation and small behaviours are attributes.
  // <form data-md-confirm="삭제할까요?"> / <button data-md-confirm="…">: ask before submitting
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    var text = form.getAttribute && form.getAttribute('data-md-confirm');
    if (text && !window.confirm(text)) { ev.preventDefault(); ev.stopImmediatePropagation(); }
  }, true);
  document.addEventListener('click', function (ev) {
    var button = ev.target.closest && ev.target.closest('[data-md-confirm]:not(form)');
    if (button && !window.confirm(button.getAttribute('data-md-confirm'))) {
      ev.preventDefault(); ev.stopImmediatePropagation(); return;
    }
    // <button data-md-uncheck="css selector">: clear those checkboxes first (e.g. "sync all")
    var clearing = ev.target.closest && ev.target.closest('[data-md-uncheck]');
    if (clearing) document.querySelectorAll(clearing.getAttribute('data-md-uncheck')).forEach(function (c) { c.checked = false; });
  }, true);
})();
