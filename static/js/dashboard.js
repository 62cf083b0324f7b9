// 首页: the 安置情况分析 bar chart. Progressive enhancement only: without this file the page shows the data table.
// The 业务年度 picker changes only with its 切换 button (no submit on change: an arrow key would reload the page).
(() => {
  "use strict";

  const chart = () => {
    const host = document.getElementById("home-chart");
    const source = document.getElementById("home-chart-data");
    if (!host || !source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    host.replaceChildren();
    const styles = getComputedStyle(document.documentElement);
    const brand = styles.getPropertyValue("--brand").trim() || "#8f1d21";
    const empty = !data.confirmed.some(Boolean) && !data.approved.some(Boolean);
    const instance = window.echarts.init(host, null, { renderer: "canvas" });
    instance.setOption({
      // The container carries the accessible name and the table below has the numbers; ECharts' own
      // generated description would only repeat them.
      aria: { enabled: false },
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      color: ["#2f6f9f", brand],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: ["安置确认", "安置核定"] },
      grid: { left: 40, right: 16, top: 40, bottom: 28 },
      xAxis: { type: "category", data: data.months, axisTick: { alignWithLabel: true } },
      yAxis: { type: "value", name: "人", minInterval: 1 },
      graphic: empty
        ? [{ type: "text", left: "center", top: "middle", style: { text: "暂无已确认的安置月份", fontSize: 15, fill: "#555" } }]
        : [],
      series: [
        { name: "安置确认", type: "bar", data: data.confirmed, barMaxWidth: 18, label: { show: false } },
        {
          name: "安置核定",
          type: "bar",
          data: data.approved,
          barMaxWidth: 18,
          itemStyle: { decal: { symbol: "rect", dashArrayX: [1, 0], dashArrayY: [3, 3], rotation: -Math.PI / 4 } },
        },
      ],
    });
    let pending = null;
    window.addEventListener("resize", () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => instance.resize());
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    chart();
  });
})();
