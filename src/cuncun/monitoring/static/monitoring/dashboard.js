// The dashboard's charts, drawn from the JSON the page carries and refreshed every 5 minutes.
(function () {
  var root = document.getElementById("dashboard");
  if (root.classList.contains("big-screen-mode")) document.body.classList.add("big-screen");
  var labels = cuncunCharts.data("board-labels");
  var draw = cuncunCharts.draw, yuan = cuncunCharts.yuan;
  function share(v) { return v == null ? "—" : Math.round(v * 100) + "%"; }
  function bars(id, items, field, seriesName) {
    draw(id, {
      tooltip: {trigger: "axis", valueFormatter: yuan},
      legend: {top: 0, data: [seriesName]},
      grid: {left: 60, right: 12, top: 36, bottom: 40},
      xAxis: {type: "category", data: items.map(function (i) { return i.label; })},
      yAxis: {type: "value"},
      series: [{name: seriesName, type: "bar", data: items.map(function (i) { return i[field]; })}]
    });
  }
  function drawAll(data) {
    draw("chart-townships", {
      tooltip: {trigger: "axis", valueFormatter: yuan},
      legend: {top: 0, type: "scroll"},
      grid: {left: 60, right: 12, top: 40, bottom: 30},
      xAxis: {type: "category", data: data.township_sales.months},
      yAxis: {type: "value"},
      series: data.township_sales.series.map(function (s) {
        return {name: s.name, type: "line", data: s.values, showSymbol: false};
      })
    }, true);
    bars("chart-goods", data.goods_sales, "transactions", labels.transactions);
    bars("chart-channels", data.channel_sales, "transactions", labels.transactions);
    draw("chart-parcels", {
      tooltip: {trigger: "axis"},
      legend: {top: 0, data: [labels.parcels]},
      grid: {left: 40, right: 12, top: 36, bottom: 60},
      xAxis: {type: "category", data: data.parcels.map(function (p) { return p.name; }), axisLabel: {rotate: 40}},
      yAxis: {type: "value"},
      series: [{name: labels.parcels, type: "bar", data: data.parcels.map(function (p) { return p.value; })}]
    });
    draw("chart-parcels-daily", {
      tooltip: {trigger: "axis"},
      legend: {top: 0, data: [labels.parcels]},
      grid: {left: 40, right: 12, top: 36, bottom: 30},
      xAxis: {type: "category", data: data.parcels_daily.days},
      yAxis: {type: "value", minInterval: 1},
      series: [{name: labels.parcels, type: "bar", data: data.parcels_daily.values}]
    });
    draw("chart-coverage", {
      tooltip: {trigger: "axis", valueFormatter: share},
      legend: {top: 0, type: "scroll"},
      grid: {left: 44, right: 12, top: 40, bottom: 30},
      xAxis: {type: "category", data: data.coverage.quarters},
      yAxis: {type: "value", max: 1, axisLabel: {formatter: share}},
      series: data.coverage.series.map(function (s) {
        return {name: s.name, type: "line", data: s.values};
      })
    }, true);
    document.getElementById("rolled-up-at").textContent =
      data.rolled_up_at ? data.rolled_up_at.slice(0, 16).replace("T", " ") : "—";
  }
  drawAll(cuncunCharts.data("board-data"));
  // Figures and charts refresh without a reload; the targets table with the page, hourly.
  setInterval(function () {
    fetch(root.dataset.refreshUrl, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) drawAll(data); });
  }, 5 * 60 * 1000);
  setTimeout(function () { location.reload(); }, 60 * 60 * 1000);
})();
