// The review page: keyboard shortcuts, time-coded notes, a marker timeline under the player, search in markers and
// transcript, the in-place panels (htmx) with their messages and the undo of a verdict; and the statistics chart.
// The player itself (signed URLs, HLS) is player.js; this file only drives it.
(() => {
  "use strict";

  const SEEK_STEP_S = 5;
  const MESSAGE_SHOWN_MS = 4000;
  // Hide the undo a little before the server's window closes, so a click at the last moment is not refused.
  const UNDO_MARGIN_MS = 300;
  const PANELS = "#review-claim, #notes, #review-verdict, #review-feedback";

  function formatTime(seconds) {
    const total = Math.max(0, seconds);
    const minutes = Math.floor(total / 60);
    const rest = total - minutes * 60;
    return `${minutes}:${rest.toFixed(1).padStart(4, "0")}`;
  }

  function isTyping(target) {
    if (!target) return false;
    const tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function initReview(root) {
    const media = root.querySelector("video, audio");
    const timeline = document.querySelector("[data-timeline]");
    const playhead = timeline && timeline.querySelector("[data-playhead]");
    const positionBox = root.querySelector("[data-role=position]");

    function duration() {
      if (media && Number.isFinite(media.duration) && media.duration > 0) return media.duration;
      return Number((timeline && timeline.dataset.duration) || root.dataset.duration || "0");
    }

    function seek(seconds) {
      const end = duration();
      media.currentTime = Math.max(0, end ? Math.min(seconds, end) : seconds);
      root.dataset.seekedTo = String(media.currentTime);
    }

    function togglePlay() {
      if (media.paused) media.play().catch(() => undefined);
      else media.pause();
    }

    function drawMarkers() {
      if (!timeline) return;
      timeline.querySelectorAll(".review-marker").forEach((marker) => marker.remove());
      const end = duration();
      if (!end) return;
      document.querySelectorAll("[data-marker][data-seek]").forEach((item) => {
        const start = Number(item.dataset.seek);
        const stop = item.dataset.end ? Number(item.dataset.end) : start;
        const marker = document.createElement("button");
        marker.type = "button";
        marker.className = `review-marker review-marker-${item.dataset.kind || "note"}`;
        marker.style.left = `${Math.min(100, (start / end) * 100)}%`;
        if (stop > start) marker.style.width = `${Math.min(100, ((stop - start) / end) * 100)}%`;
        marker.title = `${formatTime(start)} ${item.dataset.label || ""}`;
        marker.dataset.seek = String(start);
        timeline.appendChild(marker);
      });
    }

    function showPosition() {
      const end = duration();
      if (positionBox) positionBox.textContent = `${formatTime(media.currentTime)} / ${formatTime(end)}`;
      if (playhead && end) playhead.style.left = `${Math.min(100, (media.currentTime / end) * 100)}%`;
    }

    function markHere() {
      const form = document.querySelector("[data-note-form]");
      if (!form) return;
      media.pause();
      form.querySelector("[data-note-position]").value = media.currentTime.toFixed(2);
      form.querySelector("[data-note-text]").focus();
    }

    function submitShortcut(key) {
      const form = document.querySelector(`[data-shortcut-form="${key}"]`);
      if (form) form.requestSubmit();
    }

    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTyping(event.target)) {
        if (event.key === "Escape") event.target.blur();
        // r focuses the reason; Enter on it then rejects, so a rejection never needs the mouse.
        if (event.key === "Enter" && event.target.matches("[data-verdict-form] select[name=reason]") && event.target.value) {
          event.preventDefault();
          document.querySelector("[data-verdict-form] [data-reject]").click();
        }
        return;
      }
      const actions = {
        " ": togglePlay,
        k: togglePlay,
        ArrowLeft: () => seek(media.currentTime - SEEK_STEP_S),
        j: () => seek(media.currentTime - SEEK_STEP_S),
        ArrowRight: () => seek(media.currentTime + SEEK_STEP_S),
        l: () => seek(media.currentTime + SEEK_STEP_S),
        m: markHere,
        a: () => {
          const approve = document.querySelector("[data-verdict-form] [data-shortcut=a]");
          if (approve) approve.click();
        },
        r: () => {
          const reason = document.querySelector("[data-verdict-form] select[name=reason]");
          if (reason) reason.focus();
        },
        n: () => submitShortcut("n"),
        c: () => submitShortcut("c"),
        u: () => {
          const undo = document.querySelector("[data-undo-form] [data-undo]");
          if (undo) undo.click();
        },
      };
      const action = actions[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    });

    // Keep the note's time on the playback position unless the moderator typed one.
    const noteForm = () => document.querySelector("[data-note-form]");
    document.addEventListener("focusin", (event) => {
      const form = noteForm();
      if (form && event.target === form.querySelector("[data-note-text]") && !form.dataset.positionEdited) {
        form.querySelector("[data-note-position]").value = media.currentTime.toFixed(2);
      }
    });
    document.addEventListener("input", (event) => {
      const form = noteForm();
      if (form && event.target === form.querySelector("[data-note-position]")) form.dataset.positionEdited = "1";
    });

    document.addEventListener("click", (event) => {
      const target = event.target.closest("[data-seek]");
      if (target && !event.target.closest("a, input, select, textarea")) {
        seek(Number(target.dataset.seek));
      } else if (timeline && event.target === timeline && duration()) {
        // A click on the bar itself seeks to that share of the file.
        const box = timeline.getBoundingClientRect();
        seek(((event.clientX - box.left) / box.width) * duration());
      }
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target.matches && event.target.matches("li[data-seek]")) {
        seek(Number(event.target.dataset.seek));
      }
    });

    const search = document.querySelector("[data-review-search]");
    if (search) {
      search.addEventListener("input", () => {
        const needle = search.value.trim().toLowerCase();
        document.querySelectorAll("[data-searchable]").forEach((item) => {
          item.hidden = Boolean(needle) && !item.textContent.toLowerCase().includes(needle);
        });
      });
    }

    media.addEventListener("timeupdate", showPosition);
    media.addEventListener("seeked", showPosition);
    media.addEventListener("loadedmetadata", () => {
      drawMarkers();
      showPosition();
    });
    document.body.addEventListener("htmx:afterSwap", drawMarkers);
    document.body.addEventListener("htmx:oobAfterSwap", drawMarkers);
    drawMarkers();
    root.dataset.reviewReady = "1";
  }

  // Messages of the in-place actions: successes fade on their own, errors stay until dismissed or replaced; the
  // undo of a verdict goes away when its window closes (the server refuses it after that anyway).
  function armFeedback() {
    document.querySelectorAll("#review-feedback [data-autohide]:not([data-armed])").forEach((message) => {
      message.dataset.armed = "1";
      window.setTimeout(() => message.remove(), MESSAGE_SHOWN_MS);
    });
    document.querySelectorAll("[data-undo-form]:not([data-armed])").forEach((form) => {
      form.dataset.armed = "1";
      const left = Math.max(0, Number(form.dataset.undoMs || "0") - UNDO_MARGIN_MS);
      const bar = document.createElement("span");
      bar.className = "review-undo-timer";
      bar.style.animationDuration = `${left}ms`;
      form.appendChild(bar);
      window.setTimeout(() => form.remove(), left);
    });
  }

  function initPanels() {
    // A refusal (409: claimed by someone else, a stale revision…) or bad input (400) comes with the panels that
    // explain it: swap them in like a success instead of the generic "request failed" message.
    document.body.addEventListener("htmx:beforeSwap", (event) => {
      const status = event.detail.xhr.status;
      const from = event.detail.requestConfig && event.detail.requestConfig.elt;
      if ((status === 400 || status === 409) && from && from.closest(PANELS)) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
    document.body.addEventListener("htmx:afterSettle", armFeedback);
    document.addEventListener("click", (event) => {
      const close = event.target.closest("#review-feedback [data-dismiss]");
      if (close) close.closest(".review-toast").remove();
    });
    armFeedback();
  }

  function initChart(chart) {
    const data = document.getElementById("review-chart-data");
    if (!data || !window.Plotly) return;
    const figure = JSON.parse(data.textContent);
    window.Plotly.newPlot(chart, figure.data, figure.layout, { displayModeBar: false, responsive: true });
  }

  if (document.getElementById("review-feedback")) initPanels();
  document.querySelectorAll("[data-review-player]").forEach(initReview);
  document.querySelectorAll("[data-review-chart]").forEach(initChart);
})();
