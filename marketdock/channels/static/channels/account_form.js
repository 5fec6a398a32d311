// 쇼핑몰 계정 추가: show only the credential fields of the chosen marketplace.
(function () {
  const kind = document.querySelector("[data-testid=account-form] [name=kind]");
  if (!kind) return;
  function sync() {
    document.querySelectorAll("[data-kind-fields]").forEach(function (el) { el.hidden = el.dataset.kindFields !== kind.value; });
  }
  kind.addEventListener("change", sync);
  sync();
})();
