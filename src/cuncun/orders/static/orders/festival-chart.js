// A festival's results: sales and orders by township (orders/festival.html).
(function () {
  var rows = cuncunCharts.data("festival-chart-data");
  var words = document.getElementById("festival-chart").dataset;
  cuncunCharts.draw("festival-chart", {
    tooltip: {trigger: "axis"}, legend: {}, grid: {left: 60, right: 40, bottom: 60},
    xAxis: {type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: {interval: 0, rotate: 30}},
    yAxis: [{type: "value", name: "¥"}, {type: "value", name: words.orders, minInterval: 1}],
    series: [
      {name: words.sales, type: "bar", data: rows.map(function (r) { return Number(r.sales); }), itemStyle: {color: "#1f7a4d"}},
      {name: words.orders, type: "line", yAxisIndex: 1, data: rows.map(function (r) { return r.orders; }), itemStyle: {color: "#c77700"}}
    ]
  });
})();
