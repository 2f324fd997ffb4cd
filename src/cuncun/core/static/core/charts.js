// What every chart page shares (after an ECharts build; each page's own file says what it draws):
// its data from the page's json_script elements, its words from the chart element's data-
// attributes (translated by the template), and one way to draw that keeps to the
// Content-Security-Policy: ECharts writes an HTML tooltip with style attributes, which the policy
// refuses, so tooltips are drawn on the canvas (renderMode "richText") like the rest.
window.cuncunCharts = (function () {
  function data(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  // Draws `option` into the element `id`; drawing again (a refresh) redraws the same chart,
  // replacing its series when `replace` is true. The chart follows the window's size.
  function draw(id, option, replace) {
    var element = document.getElementById(id);
    var chart = echarts.getInstanceByDom(element);
    if (!chart) {
      chart = echarts.init(element);
      window.addEventListener("resize", function () { chart.resize(); });
    }
    if (option.tooltip) option.tooltip.renderMode = "richText";
    chart.setOption(option, replace);
    return chart;
  }

  function yuan(v) {
    return v == null ? "—" : "¥" + Number(v).toLocaleString("zh-CN");
  }

  return {data: data, draw: draw, yuan: yuan};
})();
