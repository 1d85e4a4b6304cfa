// Renders every <div class="chart" data-option='{...ECharts option...}'> on the page.
// Options are built server-side; this file only hands them to ECharts (bundled from npm).
(function () {
  function render(root) {
    (root || document).querySelectorAll("[data-option]").forEach(function (el) {
      if (el.dataset.rendered) return;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(JSON.parse(el.dataset.option));
      el.dataset.rendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { render(document); });
  document.body && document.body.addEventListener("htmx:afterSwap", function (e) { render(e.target); });
})();
