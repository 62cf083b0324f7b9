// 统计分析 (admin): a bar chart of the table above it (units that must file / declared / sent, per row). Progressive
// enhancement only: without JavaScript or ECharts the table is the page.
(() => {
  "use strict";
  const draw = () => {
    const host = document.getElementById("statistics-chart");
    const source = document.getElementById("statistics-chart-data");
    if (!host || !source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    host.hidden = false;
    const chart = window.echarts.init(host, null, { renderer: "canvas" });
    chart.setOption({
      aria: { enabled: false }, // the container has the accessible name, the table the numbers
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      color: ["#5c636a", "#0a58ca", "#146c43"],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: data.series.map((s) => s.name) },
      grid: { left: 48, right: 16, top: 40, bottom: 48 },
      xAxis: {
        type: "category",
        data: data.categories,
        axisLabel: { interval: 0, rotate: data.categories.length > 8 ? 30 : 0 },
      },
      yAxis: { type: "value", name: "单位数", minInterval: 1 },
      series: data.series.map((s) => ({ name: s.name, type: "bar", data: s.data, barMaxWidth: 18 })),
    });
    window.addEventListener("resize", () => chart.resize());
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
