// 주문관리 list: bulk actions on the selected orders (button data-md-bulk / data-md-bulk-get).
(function () {
  function selected() { return Array.from(document.querySelectorAll('input[name="order"]:checked')).map(function (el) { return el.value; }); }
  document.querySelectorAll('[data-md-bulk],[data-md-bulk-get]').forEach(function (button) {
    button.addEventListener('click', function () {
      var ids = selected();
      if (!ids.length) { alert(document.getElementById('md-bulk-form').dataset.msgNone); return; }
      if (button.dataset.mdBulkGet) {
        var q = new URLSearchParams(); ids.forEach(function (id) { q.append('order', id); });
        q.append('back', document.getElementById('md-bulk-form').dataset.back);
        window.location = button.dataset.mdBulkGet + '?' + q.toString(); return;
      }
      var form = document.getElementById('md-bulk-form');
      form.querySelectorAll('.md-bulk-value').forEach(function (el) { el.remove(); });
      function add(name, value) { var i = document.createElement('input'); i.type = 'hidden'; i.name = name; i.value = value; i.className = 'md-bulk-value'; form.appendChild(i); }
      ids.forEach(function (id) { add('order', id); });
      add('action', button.dataset.mdBulk);
      add('reason', document.getElementById('bulk-reason').value);
      form.submit();
    });
  });
})();
