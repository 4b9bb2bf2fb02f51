// The call-center queue: rendered from server-sent events; a new emergency flashes and beeps.
(function () {
  "use strict";
  var box = document.getElementById("queue");
  if (!box) { return; }
  var reasons = JSON.parse(box.dataset.reasons || "{}");
  var seen = null;  // conversation ids already shown (null until the first render)
  var audio = null;
  var entries = JSON.parse(document.getElementById("queue-data").textContent || "[]");

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.25, 0.5].forEach(function (at) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = "square";
        osc.frequency.value = 880;
        gain.gain.value = 0.15;
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + at); osc.stop(audio.currentTime + at + 0.15);
      });
    } catch (e) { /* no sound on this device */ }
  }
  document.getElementById("sound").addEventListener("click", function () { beep(); this.disabled = true; });

  function el(tag, text, cls) {
    var n = document.createElement(tag);
    if (text !== undefined && text !== null) { n.textContent = text; }
    if (cls) { n.className = cls; }
    return n;
  }

  function waited(since) {
    if (!since) { return ""; }
    var s = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
    var m = Math.floor(s / 60), h = Math.floor(m / 60);
    return h ? h + " j " + (m % 60) + " m" : m ? m + " m " + (s % 60) + " d" : s + " d";
  }

  function render(list) {
    var fresh = [];
    var ul = el("ul", null, "queue");
    list.forEach(function (e) {
      var li = el("li", null, "entry mode-" + e.mode + (e.emergency ? " emergency" : ""));
      li.dataset.conversation = e.conversation_id;
      if (seen && !seen[e.conversation_id]) { fresh.push(e); li.classList.add("new"); }
      var head = el("div", null, "head");
      var link = el("a", e.name);
      link.href = e.url;
      head.appendChild(link);
      head.appendChild(el("span", e.channel, "badge"));
      var label = reasons[e.reason] ? reasons[e.reason][0] + " / " + reasons[e.reason][1] : e.reason;
      head.appendChild(el("span", (e.emergency ? "🚨 " : "") + label, "badge reason-" + e.reason));
      var wait = el("span", waited(e.since), "wait");
      wait.dataset.since = e.since || "";
      head.appendChild(wait);
      if (e.holder) { head.appendChild(el("span", "👤 " + e.holder, "badge held")); }
      li.appendChild(head);
      var draft = Object.keys(e.draft || {}).map(function (k) { return k + ": " + e.draft[k]; }).join(" · ");
      if (draft) { li.appendChild(el("div", "Draf: " + draft, "draft")); }
      var msgs = el("ol", null, "mini-transcript");
      (e.last_messages || []).forEach(function (m) { msgs.appendChild(el("li", m.author + ": " + m.text, "a-" + m.author)); });
      li.appendChild(msgs);
      ul.appendChild(li);
    });
    if (!list.length) { ul.appendChild(el("li", "Antrean kosong / The queue is empty", "empty")); }
    box.replaceChildren(ul);
    seen = {};
    list.forEach(function (e) { seen[e.conversation_id] = true; });
    box.dataset.count = String(list.length);
    if (fresh.some(function (e) { return e.emergency; })) {
      beep();
      document.body.classList.add("alarm");
      setTimeout(function () { document.body.classList.remove("alarm"); }, 4000);
    }
  }

  render(entries);
  setInterval(function () {
    box.querySelectorAll(".wait").forEach(function (w) { w.textContent = waited(w.dataset.since); });
  }, 1000);
  var live = document.getElementById("live");
  var source = new EventSource(box.dataset.stream);
  source.onopen = function () { live.textContent = "live"; live.className = "badge ok"; };
  source.onerror = function () { live.textContent = "…"; live.className = "badge"; };
  source.onmessage = function (event) { render(JSON.parse(event.data)); };
})();
