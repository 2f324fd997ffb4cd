// The year's assessment: townships by score, the first on top (oversight/assessment.html).
(function () {
  var rows = cuncunCharts.data("ranking-data").reverse();
  var words = document.getElementById("ranking-chart").dataset;
  cuncunCharts.draw("ranking-chart", {
    tooltip: {trigger: "axis"}, legend: {}, grid: {left: 110, right: 16, top: 30, bottom: 24},
    xAxis: {type: "value", max: 100}, yAxis: {type: "category", data: rows.map(function (r) { return r.name; })},
    series: [{name: words.score, type: "bar", data: rows.map(function (r) { return r.score; }), itemStyle: {color: "#1f7a4d"}}]
  });
})();
