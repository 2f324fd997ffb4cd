// The plan's milestones on the timeline of its three phases, coloured by state
// (oversight/milestones.html).
(function () {
  var rows = cuncunCharts.data("timeline-data");
  var phases = cuncunCharts.data("phases-data");
  var words = document.getElementById("timeline").dataset;
  var colours = {done: "#1f7a4d", done_late: "#e07a5f", awaiting_acceptance: "#d4a017", open: "#8aa39a", overdue: "#b91c1c"};
  var names = {}; rows.forEach(function (r) { names[r.status] = r.status_label; });
  var series = Object.keys(names).map(function (status) {
    return {name: names[status], type: "scatter", symbolSize: 11, itemStyle: {color: colours[status]},
      data: rows.filter(function (r) { return r.status === status; }).map(function (r) {
        return {value: [r.due_on, r.phase], title: r.title}; })};
  });
  series.push({name: words.phase, type: "line", lineStyle: {width: 8, opacity: .35, color: "#1f7a4d"}, symbol: "none",
    data: [], markArea: {itemStyle: {color: "rgba(31,122,77,.07)"}, data: phases.map(function (p) {
      return [{name: p.name, xAxis: p.starts_on}, {xAxis: p.ends_on}]; })}});
  cuncunCharts.draw("timeline", {
    // A line break, not <br>: the tooltip is drawn on the canvas (core/charts.js).
    tooltip: {trigger: "item", formatter: function (p) { return p.data && p.data.title ? p.data.title + "\n" + p.value[0] + " · " + p.seriesName : p.name; }},
    legend: {top: 0}, grid: {left: 70, right: 12, top: 50, bottom: 30},
    xAxis: {type: "time"}, yAxis: {type: "category", data: phases.map(function (p) { return p.name; })},
    series: series
  });
})();
