// The home page: administrative villages and communities per township, as tall as the townships
// need (portal/home.html).
(function () {
  var rows = cuncunCharts.data("township-data");
  var element = document.getElementById("township-chart");
  var words = element.dataset;
  element.style.height = Math.max(260, rows.length * 26 + 60) + "px";
  cuncunCharts.draw("township-chart", {
    grid: {left: 90, right: 12, top: 28, bottom: 20},
    legend: {top: 0, data: [words.villages, words.communities]},
    tooltip: {trigger: "axis"},
    xAxis: {type: "value", minInterval: 1},
    yAxis: {type: "category", inverse: true, data: rows.map(function (r) { return r.name; })},
    series: [
      {name: words.villages, type: "bar", stack: "v", color: "#1f7a4d", data: rows.map(function (r) { return r.villages; })},
      {name: words.communities, type: "bar", stack: "v", color: "#9cc7b0", data: rows.map(function (r) { return r.communities; })}
    ]
  });
})();
