// The sample live room: the room's launch parameters (from the URL the cloud app was opened with), a clock, and
// the room's bullet comments and gifts, each shown at its `at` time. They come from the room's event channel — the
// sample app's stand-in for a business backend's IM channel: the emulator hosts it at /_emulator/channels/<room>
// and, in the demo, the console forwards into it the interaction events posted to its API (a `channel` URL
// parameter points the page elsewhere). A gift also plays a short tone (WebAudio).
//
// The code strip under the magenta corner shows the latest comment's code, so a test can find in the recorded
// frames when each comment appeared: 18 blocks of 4vh, a white start block, 16 bits (white = 1, most significant
// first) of hash("<kind>:<text>") — h = (h * 31 + UTF-16 code unit) mod 65536 — and a black end block. Before the
// first comment every block is black.
(function () {
  "use strict";
  var query = new URLSearchParams(window.location.search);
  var room = query.get("room") || "";
  document.getElementById("room").textContent = "Live room " + (room || "(no room)");

  var params = document.getElementById("params");
  var shown = query.toString() ? Array.from(query.entries()) : [["parameters", "(none)"]];
  shown.forEach(function (entry) {
    var term = document.createElement("dt");
    var value = document.createElement("dd");
    term.textContent = entry[0];
    value.textContent = entry[1];
    params.append(term, value);
  });

  var clock = document.getElementById("clock");
  function tick() {
    clock.textContent = new Date().toISOString().slice(11, 19) + " UTC";
  }
  tick();
  window.setInterval(tick, 250);

  var BITS = 16;
  var code = document.getElementById("code");
  var blocks = [];
  for (var i = 0; i < BITS + 2; i += 1) {
    blocks.push(code.appendChild(document.createElement("span")));
  }
  function hash(value) {
    var h = 0;
    for (var j = 0; j < value.length; j += 1) {
      h = (h * 31 + value.charCodeAt(j)) % 65536;
    }
    return h;
  }
  function showCode(value) {
    blocks[0].className = "on";
    for (var bit = 0; bit < BITS; bit += 1) {
      blocks[bit + 1].className = (value >> (BITS - 1 - bit)) & 1 ? "on" : "";
    }
    blocks[BITS + 1].className = "";
  }

  var audio = null;
  function chime() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    audio = audio || new Context();
    var now = audio.currentTime;
    [660, 880].forEach(function (frequency, index) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      var start = now + index * 0.25;
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.4, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.6);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.65);
    });
  }

  var colours = ["#ffffff", "#ffe066", "#8ef0a6", "#9cc4ff", "#ffb3c7"];
  var stage = document.getElementById("stage");
  var waiting = document.getElementById("waiting");
  var count = 0;
  function show(event) {
    waiting.hidden = true;
    showCode(hash(event.kind + ":" + event.text));
    var item = document.createElement("div");
    if (event.kind === "gift") {
      item.className = "gift";
      item.textContent = "\u2605 " + (event.text || "a gift");
      chime();
    } else {
      item.className = "comment";
      item.textContent = event.kind === "bullet_comment" ? event.text : event.kind + ": " + event.text;
      item.style.top = ((count * 37) % 85) + "%";
      item.style.color = colours[count % colours.length];
      item.style.animationDuration = 6 + (count % 4) + "s";
    }
    item.addEventListener("animationend", function () { item.remove(); });
    stage.append(item);
    count += 1;
  }

  var channel = query.get("channel") || "/_emulator/channels/" + encodeURIComponent(room);
  var last = 0;
  function poll() {
    fetch(channel + "?after=" + last, { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : { events: [], last: last }; })
      .then(function (body) {
        if ((body.last || 0) < last) {
          last = 0; // the channel was reset (the emulator's reset): start over
          return;
        }
        body.events.forEach(function (event) {
          // Shown at its time; one that is already due (or late) at once.
          window.setTimeout(function () { show(event); }, Math.max(0, event.at_ms - Date.now()));
        });
        last = Math.max(last, body.last || 0);
      })
      .catch(function () { /* the channel is down for a moment: the next poll asks again */ })
      .finally(function () { window.setTimeout(poll, 250); });
  }
  if (room) { poll(); }
})();
