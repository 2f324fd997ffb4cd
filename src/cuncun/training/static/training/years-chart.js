// Training's home: person-times and persons by year (training/home.html).
(function () {
  var rows = cuncunCharts.data("years-data");
  var words = document.getElementById("years-chart").dataset;
  cuncunCharts.draw("years-chart", {
    tooltip: {trigger: "axis"}, legend: {}, grid: {left: 50, right: 10, bottom: 30},
    xAxis: {type: "category", data: rows.map(function (r) { return String(r.year); })},
    yAxis: {type: "value"},
    series: [
      {name: words.personTimes, type: "bar", data: rows.map(function (r) { return r.person_times; }), itemStyle: {color: "#1f7a4d"}},
      {name: words.persons, type: "bar", data: rows.map(function (r) { return r.persons; }), itemStyle: {color: "#9cc9b0"}}
    ]
  });
})();
