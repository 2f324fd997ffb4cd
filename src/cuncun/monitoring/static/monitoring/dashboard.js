// The dashboard's charts, drawn from the JSON the page carries and refreshed every 5 minutes.
(function () {
  var root = document.getElementById("dashboard");
  if (root.classList.contains("big-screen-mode")) document.body.classList.add("big-screen");
  var labels = JSON.parse(document.getElementById("board-labels").textContent);
  var charts = {};
  function chart(id) {
    charts[id] = charts[id] || echarts.init(document.getElementById(id));
    return charts[id];
  }
  function share(v) { return v == null ? "—" : Math.round(v * 100) + "%"; }
  function yuan(v) { return v == null ? "—" : "¥" + Number(v).toLocaleString("zh-CN"); }
  function bars(id, items, field, seriesName) {
    chart(id).setOption({
      tooltip: {trigger: "axis", valueFormatter: yuan},
      legend: {top: 0, data: [seriesName]},
      grid: {left: 60, right: 12, top: 36, bottom: 40},
      xAxis: {type: "category", data: items.map(function (i) { return i.label; })},
      yAxis: {type: "value"},
      series: [{name: seriesName, type: "bar", data: items.map(function (i) { return i[field]; })}]
    });
  }
  function draw(data) {
    chart("chart-townships").setOption({
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
    chart("chart-parcels").setOption({
      tooltip: {trigger: "axis"},
      legend: {top: 0, data: [labels.parcels]},
      grid: {left: 40, right: 12, top: 36, bottom: 60},
      xAxis: {type: "category", data: data.parcels.map(function (p) { return p.name; }), axisLabel: {rotate: 40}},
      yAxis: {type: "value"},
      series: [{name: labels.parcels, type: "bar", data: data.parcels.map(function (p) { return p.value; })}]
    });
    chart("chart-parcels-daily").setOption({
      tooltip: {trigger: "axis"},
      legend: {top: 0, data: [labels.parcels]},
      grid: {left: 40, right: 12, top: 36, bottom: 30},
      xAxis: {type: "category", data: data.parcels_daily.days},
      yAxis: {type: "value", minInterval: 1},
      series: [{name: labels.parcels, type: "bar", data: data.parcels_daily.values}]
    });
    chart("chart-coverage").setOption({
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
  draw(JSON.parse(document.getElementById("board-data").textContent));
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
  });
  // Figures and charts refresh without a reload; the targets table with the page, hourly.
  setInterval(function () {
    fetch(root.dataset.refreshUrl, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) draw(data); });
  }, 5 * 60 * 1000);
  setTimeout(function () { location.reload(); }, 60 * 60 * 1000);
})();
