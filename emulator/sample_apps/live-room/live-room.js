// The sample live room: the room's launch parameters (from the URL the cloud app was opened with), a clock and
// bullet comments flying across the stage.
(function () {
  "use strict";
  var query = new URLSearchParams(window.location.search);
  var room = query.get("room") || "(no room)";
  document.getElementById("room").textContent = "Live room " + room;

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

  var words = [
    "Hello from " + room + "!", "Great show", "666", "Encore!", "Who else is watching live?",
    "Best seat in the house", "This song again please", "Greetings from Singapore",
  ];
  var colours = ["#ffffff", "#ffe066", "#8ef0a6", "#9cc4ff", "#ffb3c7"];
  var stage = document.getElementById("stage");
  var count = 0;
  function comment() {
    var item = document.createElement("div");
    item.className = "comment";
    item.textContent = words[count % words.length];
    item.style.top = ((count * 37) % 85) + "%";
    item.style.color = colours[count % colours.length];
    item.style.animationDuration = 6 + (count % 4) + "s";
    item.addEventListener("animationend", function () { item.remove(); });
    stage.append(item);
    count += 1;
  }
  comment();
  window.setInterval(comment, 900);
})();
