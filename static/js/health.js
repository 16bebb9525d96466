// Stream-health chart of the live page: asks the console every 5 seconds for the latest push samples
// (DescribeStreamPushInfoList) and redraws the plotly figure in place.
(() => {
  "use strict";
  const chart = document.getElementById("health-chart");
  if (!chart || !window.Plotly) return;
  const statusBox = document.getElementById("health-status");
  const PERIOD_MS = 5000;

  async function tick() {
    try {
      const response = await fetch(chart.dataset.healthUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || interpolate(gettext("the console answered %(status)s"), { status: response.status }, true));
      await window.Plotly.react(chart, data.figure.data, data.figure.layout, { displayModeBar: false, responsive: true });
      chart.dataset.points = String(data.points);
      const latest = data.latest;
      statusBox.textContent = latest
        ? interpolate(
            gettext("%(resolution)s · %(fps)s fps · %(kbps)s kbps · %(anomalies)s anomalies in 10 min"),
            { resolution: latest.resolution, fps: latest.fps, kbps: latest.video_kbps, anomalies: data.anomalies },
            true,
          )
        : gettext("No push data yet");
    } catch (error) {
      statusBox.textContent = interpolate(gettext("Health unavailable: %(error)s"), { error: error.message }, true);
    } finally {
      window.setTimeout(tick, PERIOD_MS);
    }
  }
  tick();
})();
