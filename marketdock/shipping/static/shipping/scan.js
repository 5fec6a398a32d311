// 스캔 검수: keep the scanner input focused, beep on each result (alarm on a problem).
(function () {
  const input = document.getElementById("scan-code");
  const form = document.getElementById("scan-form");
  let audio = null;
  function beep(alarm) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tones = alarm ? [[880, 0], [440, 0.18], [880, 0.36], [440, 0.54]] : [[1320, 0]];
      tones.forEach(([freq, at]) => {
        const osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = alarm ? "square" : "sine";
        osc.frequency.value = freq;
        gain.gain.value = alarm ? 0.35 : 0.15;
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + at);
        osc.stop(audio.currentTime + at + (alarm ? 0.16 : 0.08));
      });
      document.body.dataset.lastBeep = alarm ? "alarm" : "ok";
    } catch (e) { /* no audio device */ }
  }
  function refocus() { if (input && !input.disabled) { input.focus(); } }
  document.addEventListener("click", (ev) => { if (!ev.target.closest("button, a, input, select, textarea")) refocus(); });
  document.body.addEventListener("htmx:afterSwap", (ev) => {
    if (ev.detail.target.id !== "scan-panel") return;
    input.value = "";
    const result = ev.detail.target.querySelector("[data-scan-kind]");
    if (result) beep(result.dataset.alarm === "1");
    refocus();
  });
  form.addEventListener("submit", (ev) => ev.preventDefault());
  window.addEventListener("focus", refocus);
  setInterval(() => { if (document.activeElement === document.body) refocus(); }, 1000);
})();
