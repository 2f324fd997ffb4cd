// The campaigns' countdowns on the market front: days, hours, minutes and seconds to go, each
// second. Without script the server's "3 days, 4 hours" stays.
(function () {
  var boxes = document.querySelectorAll(".countdown[data-until]");
  if (!boxes.length) return;
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = Date.now() / 1000;
    boxes.forEach(function (box) {
      var left = Math.max(0, Math.floor(Number(box.dataset.until) - now));
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
      var m = Math.floor(left % 3600 / 60), s = left % 60;
      var clock = two(h) + ":" + two(m) + ":" + two(s);
      box.textContent = d ? d + (zh ? "天 " : "d ") + clock : clock;
    });
  }
  tick();
  setInterval(tick, 1000);
})();
