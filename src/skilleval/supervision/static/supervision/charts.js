// Draws the statistics charts with the vendored ECharts: each element with data-chart names a
// series group of the JSON in #chart-data ("level", "year", "city", "occupation").
(function () {
  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var names = data.names;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var group = data[el.getAttribute("data-chart")];
      if (!group || !group.labels.length) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 48, right: 48, top: 36, bottom: 48, containLabel: true },
        xAxis: { type: "category", data: group.labels, axisLabel: { interval: 0, rotate: group.labels.length > 6 ? 30 : 0 } },
        yAxis: [{ type: "value", name: "人数", minInterval: 1 }, { type: "value", name: "%", max: 100, min: 0 }],
        series: [
          { name: names.accepted, type: "bar", data: group.accepted },
          { name: names.passed, type: "bar", data: group.passed },
          { name: names.certified, type: "bar", data: group.certified },
          { name: names.pass_rate, type: "line", yAxisIndex: 1, data: group.pass_rate, connectNulls: true }
        ]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
