// One conversation's console: new messages arrive by server-sent events; the agent's reply is posted
// without reloading the page.
(function () {
  "use strict";
  var list = document.getElementById("transcript");
  if (!list) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function has(seq) { return list.querySelector('[data-seq="' + seq + '"]') !== null; }

  function add(e) {
    if (has(e.seq)) { return; }
    var li = document.createElement("li");
    li.className = "msg a-" + e.author + " d-" + e.direction;
    li.dataset.seq = e.seq;
    var who = document.createElement("span"); who.className = "who"; who.textContent = e.author;
    var text = document.createElement("span"); text.className = "text"; text.textContent = e.text;
    var at = document.createElement("time"); at.textContent = e.at;
    li.append(who, " ", text, " ", at);
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }

  list.scrollTop = list.scrollHeight;
  var source = new EventSource(list.dataset.stream);
  source.onmessage = function (event) {
    var data = JSON.parse(event.data);
    data.entries.forEach(add);
    document.getElementById("mode").textContent = data.mode;
    document.getElementById("holder").textContent = data.holder || "-";
  };

  var canned = document.getElementById("canned");
  var textarea = document.getElementById("say-text");
  if (canned) {
    canned.addEventListener("change", function () {
      if (canned.value) { textarea.value = canned.value; textarea.focus(); }
      canned.value = "";
    });
  }
  var form = document.getElementById("say");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new FormData(form);
      fetch(form.action, { method: "POST", body: body, headers: { "Accept": "application/json", "X-CSRF-Token": csrf } })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (res) {
          if (res.ok) { textarea.value = ""; } else { alert(res.body.error || res.body.detail || "error"); }
        });
    });
  }
})();
