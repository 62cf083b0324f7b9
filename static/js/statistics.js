// 统计分析 (admin): a bar chart of the table above it (units that must file / declared, per region). Progressive
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
      legend: { top: 0, data: ["应申报单位", "已完成申报", "已发送税务"] },
      grid: { left: 48, right: 16, top: 40, bottom: 48 },
      xAxis: { type: "category", data: data.regions, axisLabel: { interval: 0, rotate: data.regions.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", name: "单位数", minInterval: 1 },
      series: [
        { name: "应申报单位", type: "bar", data: data.units, barMaxWidth: 18 },
        { name: "已完成申报", type: "bar", data: data.declared, barMaxWidth: 18 },
        { name: "已发送税务", type: "bar", data: data.sent, barMaxWidth: 18 },
      ],
    });
    window.addEventListener("resize", () => chart.resize());
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
