// Three-tier coverage over time, one line per indicator (network/coverage.html).
(function () {
  var data = cuncunCharts.data("coverage-data");
  cuncunCharts.draw("coverage-chart", {
    tooltip: {trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; }},
    legend: {top: 0, type: "scroll"}, grid: {left: 40, right: 12, top: 40, bottom: 30},
    xAxis: {type: "category", data: data.days.map(function (d) { return d.slice(0, 7); })},
    yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
    series: data.series.map(function (s) { return {name: s.name, type: "line", step: "end", data: s.values, showSymbol: false}; })
  });
})();
