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
  // select-all checkbox for grids: <input type=checkbox data-md-check-all="name">
  document.addEventListener('change', function (ev) {
    var name = ev.target.getAttribute && ev.target.getAttribute('data-md-check-all');
    if (!name) return;
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) { c.checked = ev.target.checked; });
  });
})();
