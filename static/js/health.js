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
      if (!response.ok) throw new Error(data.error || `the console answered ${response.status}`);
      await window.Plotly.react(chart, data.figure.data, data.figure.layout, { displayModeBar: false, responsive: true });
      chart.dataset.points = String(data.points);
      const latest = data.latest;
      statusBox.textContent = latest
        ? `${latest.resolution} · ${latest.fps} fps · ${latest.video_kbps} kbps · ${data.anomalies} anomalies in 10 min`
        : "No push data yet";
    } catch (error) {
      statusBox.textContent = `Health unavailable: ${error.message}`;
    } finally {
      window.setTimeout(tick, PERIOD_MS);
    }
  }
  tick();
})();
