// Draws the plotly figures that billing/charts.py renders as an empty <div data-plotly-figure="ID"> plus a
// <script type="application/json" id="ID"> data block: the Content-Security-Policy runs no inline script.
// Charts swapped in by htmx (the calculator's estimate) are drawn after each swap; each is drawn once.
function drawCharts() {
  if (!window.Plotly) return;
  document.querySelectorAll("[data-plotly-figure]:not([data-drawn])").forEach((div) => {
    const block = document.getElementById(div.dataset.plotlyFigure);
    if (!block) return;
    const figure = JSON.parse(block.textContent);
    div.dataset.drawn = "";
    window.Plotly.newPlot(div, figure.data, figure.layout, figure.config);
  });
}
document.addEventListener("DOMContentLoaded", drawCharts);
document.addEventListener("htmx:afterSettle", drawCharts);
