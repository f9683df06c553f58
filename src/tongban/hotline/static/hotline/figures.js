// Draws the figures with Apache ECharts; the same numbers are in the tables below the charts.
(function () {
  "use strict";
  function draw() {
    if (typeof echarts === "undefined") { return; }
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    function chart(id, option) {
      var el = document.getElementById(id);
      if (el) { echarts.init(el).setOption(option); }
    }
    chart("chart-days", { tooltip: {}, xAxis: { type: "category", data: data.days }, yAxis: { type: "value" },
      series: [{ type: "line", data: data.day_counts, smooth: true }] });
    chart("chart-channels", { tooltip: {}, series: [{ type: "pie", radius: "60%", data: data.channels }] });
    chart("chart-categories", { tooltip: {}, series: [{ type: "pie", radius: ["35%", "65%"], data: data.categories }] });
    chart("chart-departments", { tooltip: {}, grid: { left: 160 }, xAxis: { type: "value" },
      yAxis: { type: "category", data: data.departments }, series: [{ type: "bar", data: data.department_counts }] });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
