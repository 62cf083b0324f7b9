// 统计分析 (admin): two charts of the table above them — the units that must file / declared / sent, and the
// 实际安排比例 beside the 规定比例 (lines) with the 应缴保障金 estimate (万元, bars) per row. Progressive enhancement
// only: without JavaScript or ECharts the table is the page.
(() => {
  "use strict";
  const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const xAxis = (categories) => ({
    type: "category",
    data: categories,
    axisLabel: { interval: 0, rotate: categories.length > 8 ? 30 : 0 },
  });
  const show = (id, option) => {
    const host = document.getElementById(id);
    if (!host) return;
    host.hidden = false;
    const chart = window.echarts.init(host, null, { renderer: "canvas" });
    chart.setOption({
      aria: { enabled: false }, // the container has the accessible name, the table the numbers
      animation: !reducedMotion(),
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 56, right: 56, top: 40, bottom: 48 },
      ...option,
    });
    window.addEventListener("resize", () => chart.resize());
  };
  const draw = () => {
    const source = document.getElementById("statistics-chart-data");
    if (!source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    show("statistics-chart", {
      color: ["#5c636a", "#0a58ca", "#146c43"],
      legend: { top: 0, data: data.series.map((s) => s.name) },
      xAxis: xAxis(data.categories),
      yAxis: { type: "value", name: "单位数", minInterval: 1 },
      series: data.series.map((s) => ({ name: s.name, type: "bar", data: s.data, barMaxWidth: 18 })),
    });
    if (!data.levy) return;
    show("statistics-levy-chart", {
      color: ["#0a58ca", "#b02a37", "#5c636a"],
      legend: { top: 0, data: ["实际安排比例(%)", "规定比例(%)", "应缴保障金估算(万元)"] },
      xAxis: xAxis(data.categories),
      yAxis: [
        { type: "value", name: "%", min: 0 },
        { type: "value", name: "万元", min: 0, splitLine: { show: false } },
      ],
      series: [
        { name: "实际安排比例(%)", type: "line", data: data.levy.ratio, connectNulls: false },
        {
          name: "规定比例(%)",
          type: "line",
          data: data.levy.required,
          lineStyle: { type: "dashed" },
          symbol: "diamond", // visible with a single row too
        },
        { name: "应缴保障金估算(万元)", type: "bar", yAxisIndex: 1, data: data.levy.payable, barMaxWidth: 18 },
      ],
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
