// The special fund's home: budgeted, approved and paid by plan category (funds/home.html).
(function () {
  var rows = cuncunCharts.data("fund-chart-data");
  var words = document.getElementById("fund-chart").dataset;
  function amounts(field) { return rows.map(function (r) { return Number(r[field]); }); }
  cuncunCharts.draw("fund-chart", {
    tooltip: {trigger: "axis", valueFormatter: cuncunCharts.yuan}, legend: {},
    grid: {left: 70, right: 10, bottom: 60},
    xAxis: {type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: {interval: 0, rotate: 30}},
    yAxis: {type: "value", axisLabel: {formatter: function (v) { return v / 10000 + "万"; }}},
    series: [
      {name: words.budgeted, type: "bar", data: amounts("budgeted"), itemStyle: {color: "#9cc9b0"}},
      {name: words.approved, type: "bar", data: amounts("committed"), itemStyle: {color: "#1f7a4d"}},
      {name: words.paid, type: "bar", data: amounts("paid"), itemStyle: {color: "#145c39"}}
    ]
  });
})();
