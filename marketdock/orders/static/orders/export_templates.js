// 엑셀 다운로드 양식: move a column up or down.
document.getElementById('column-list').addEventListener('click', function (ev) {
  var btn = ev.target.closest('[data-move]'); if (!btn) return;
  var li = btn.closest('li');
  if (btn.dataset.move === 'up' && li.previousElementSibling) li.parentNode.insertBefore(li, li.previousElementSibling);
  if (btn.dataset.move === 'down' && li.nextElementSibling) li.parentNode.insertBefore(li.nextElementSibling, li);
});
