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
    var notice = document.getElementById('md-notice');
    if (notice) { bootstrap.Modal.getOrCreateInstance(notice).show(); }
  });
  // Server side can trigger: HX-Trigger: {"md:toast": {"text": "...", "level": "success"}}
  document.body && document.body.addEventListener('md:toast', function (ev) { mdToast(ev.detail.text, ev.detail.level); });
  document.addEventListener('htmx:afterSwap', function (ev) { showToasts(ev.target); });
  document.addEventListener('htmx:responseError', function (ev) {
    mdToast((ev.detail.xhr && ev.detail.xhr.status >= 500) ? '서버 오류가 발생했습니다. 잠시 후 다시 시도하세요.' : '요청을 처리할 수 없습니다.', 'danger');
  });
  // select-all checkbox for grids: <input type=checkbox data-md-check-all="name">
  document.addEventListener('change', function (ev) {
    var name = ev.target.getAttribute && ev.target.getAttribute('data-md-check-all');
    if (!name) return;
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) { c.checked = ev.target.checked; });
  });
})();
