// Players of CNR Console: the live player (HLS through hls.js, FLV through mpegts.js) and the recorded-file player
// (MP4/audio natively, HLS through hls.js). Both play short-lived signed URLs and ask the console for fresh ones
// before they lapse: `data-play-urls` / `data-signed-url` name the JSON endpoint that re-signs.
(() => {
  "use strict";

  async function fetchJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(interpolate(gettext("the console answered %(status)s"), { status: response.status }, true));
    return response.json();
  }

  // Give every request the signature parameters of `signedUrl` (txSecret/txTime for CSS, t/sign for VOD). Segments
  // named relative to a playlist lose its query string, and after a re-sign the old parameters must be replaced.
  function resign(url, signedUrl, names) {
    if (!signedUrl) return url;
    const fresh = new URL(signedUrl, window.location.href);
    const target = new URL(url, window.location.href);
    if (target.origin !== fresh.origin) return url;
    for (const name of names) {
      if (fresh.searchParams.has(name)) target.searchParams.set(name, fresh.searchParams.get(name));
    }
    return target.toString();
  }

  function hlsPlayer(video, currentUrl, signatureNames, onFatal) {
    if (!(window.Hls && window.Hls.isSupported())) {
      video.src = currentUrl();
      return { destroy() { video.removeAttribute("src"); video.load(); } };
    }
    const hls = new window.Hls({
      liveSyncDurationCount: 2,
      xhrSetup(xhr, url) {
        xhr.open("GET", resign(url, currentUrl(), signatureNames), true);
      },
    });
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else {
        onFatal(data.details || data.type);
      }
    });
    hls.loadSource(currentUrl());
    hls.attachMedia(video);
    return hls;
  }

  function setStatus(box, text) {
    if (box) box.textContent = text;
  }

  function startPlayback(video, root, statusBox) {
    video.addEventListener("playing", () => {
      root.dataset.state = "playing";
      setStatus(statusBox, gettext("Playing"));
    });
    video.addEventListener("waiting", () => setStatus(statusBox, gettext("Buffering…")));
    const attempt = video.play();
    if (attempt && attempt.catch) attempt.catch(() => setStatus(statusBox, gettext("Press play to start.")));
  }

  // --- live player ---------------------------------------------------------------------------------------
  function initLive(root) {
    const video = root.querySelector("video");
    const statusBox = root.querySelector("[data-role=status]");
    const webrtcBox = root.querySelector("[data-role=webrtc]");
    const expiryBox = root.querySelector("[data-role=expiry]");
    let urls = null;
    let player = null;
    let refreshTimer = null;
    let retryTimer = null;

    function protocol() {
      const checked = root.querySelector("input[name=protocol]:checked");
      return checked ? checked.value : "hls";
    }

    function showUrls() {
      if (webrtcBox) webrtcBox.value = urls.webrtc;
      // expires_at_display is worded by the server in the console's (or the user's) zone, not the browser's.
      if (expiryBox) expiryBox.textContent = interpolate(gettext("Signed URLs valid until %(time)s; renewed automatically."), { time: urls.expires_at_display }, true);
      root.dataset.expiresAt = urls.expires_at;
    }

    async function refresh() {
      try {
        urls = await fetchJson(root.dataset.playUrls);
        showUrls();
        root.dataset.resigned = String(Number(root.dataset.resigned || "0") + 1);
      } catch (error) {
        setStatus(statusBox, interpolate(gettext("Could not renew the play URLs (%(error)s); retrying."), { error: error.message }, true));
        urls = urls && { ...urls, refresh_in_s: 15 };
      }
      schedule();
    }

    function schedule() {
      window.clearTimeout(refreshTimer);
      if (urls) refreshTimer = window.setTimeout(refresh, urls.refresh_in_s * 1000);
    }

    function stop() {
      window.clearTimeout(retryTimer);
      if (player) player.destroy();
      player = null;
    }

    function retryLater(reason) {
      setStatus(statusBox, interpolate(gettext("Stream unavailable (%(reason)s); retrying in 5 s…"), { reason }, true));
      stop();
      retryTimer = window.setTimeout(play, 5000);
    }

    function play() {
      stop();
      if (!urls) return;
      setStatus(statusBox, gettext("Connecting…"));
      root.dataset.protocol = protocol();
      if (protocol() === "flv") {
        if (!(window.mpegts && window.mpegts.isSupported())) {
          setStatus(statusBox, gettext("FLV playback is not supported by this browser."));
          return;
        }
        const flv = window.mpegts.createPlayer({ type: "flv", isLive: true, url: urls.flv });
        flv.on(window.mpegts.Events.ERROR, (type) => retryLater(type));
        flv.attachMediaElement(video);
        flv.load();
        player = { destroy() { flv.destroy(); } };
      } else {
        player = hlsPlayer(video, () => urls.hls, ["txSecret", "txTime"], retryLater);
      }
      startPlayback(video, root, statusBox);
    }

    root.querySelectorAll("input[name=protocol]").forEach((input) => input.addEventListener("change", play));
    fetchJson(root.dataset.playUrls)
      .then((first) => {
        urls = first;
        showUrls();
        schedule();
        play();
      })
      .catch((error) => setStatus(statusBox, interpolate(gettext("No play URL: %(error)s"), { error: error.message }, true)));
  }

  // --- recorded file player ----------------------------------------------------------------------------
  function initFile(root) {
    const media = root.querySelector("video, audio");
    const statusBox = root.querySelector("[data-role=status]");
    const format = root.dataset.format;
    let signed = { url: root.dataset.src, refresh_in_s: Number(root.dataset.refreshIn || "600") };

    async function refresh() {
      try {
        signed = await fetchJson(root.dataset.signedUrl);
        if (format !== "hls") {
          // A progressive download keeps requesting ranges with its URL: swap it in place.
          const position = media.currentTime;
          const paused = media.paused;
          media.src = signed.url;
          media.currentTime = position;
          if (!paused) media.play().catch(() => undefined);
        }
        const expiryBox = root.querySelector("[data-role=expiry]");
        if (expiryBox) expiryBox.textContent = interpolate(gettext("Signed URL valid until %(time)s; renewed automatically."), { time: signed.expires_at_display }, true);
        root.dataset.resigned = String(Number(root.dataset.resigned || "0") + 1);
      } catch (error) {
        setStatus(statusBox, interpolate(gettext("Could not renew the signed URL (%(error)s)."), { error: error.message }, true));
        signed = { ...signed, refresh_in_s: 30 };
      }
      window.setTimeout(refresh, signed.refresh_in_s * 1000);
    }

    if (format === "hls") {
      hlsPlayer(media, () => signed.url, ["t", "sign", "us", "exper", "rlimit", "q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-header-list", "q-url-param-list", "q-signature"], (reason) => setStatus(statusBox, interpolate(gettext("Playback failed (%(reason)s)."), { reason }, true)));
    } else {
      media.src = signed.url;
    }
    media.addEventListener("error", () => setStatus(statusBox, gettext("The file could not be played.")));
    startPlayback(media, root, statusBox);
    window.setTimeout(refresh, signed.refresh_in_s * 1000);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const input = document.querySelector(button.dataset.copy);
    if (!input) return;
    input.select();
    if (navigator.clipboard) navigator.clipboard.writeText(input.value).catch(() => document.execCommand("copy"));
    else document.execCommand("copy");
  });

  // The restore box of an archived file (recordings/_file_restore.html) answers a refused restore with the box
  // and its error (400 bad form, 502 Tencent refused): show it in place instead of the generic failure note.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    const status = event.detail.xhr.status;
    if (target && target.closest && target.closest("[data-restore-box]") && (status === 400 || status === 502)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.querySelectorAll("[data-live-player]").forEach(initLive);
  document.querySelectorAll("[data-file-player]").forEach(initFile);
})();
