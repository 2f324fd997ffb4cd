// Scanning a waybill with the phone camera where the browser has BarcodeDetector; typing (or a
// USB/Bluetooth scanner acting as a keyboard) everywhere else. Only check-in asks for consent;
// a parcel new at a hub needs the point it is bound for (at a point's check-in it is that point).
(function () {
  var form = document.getElementById("scan-form");
  if (!form) return;
  var action = form.querySelector("[name=action]");
  var checkIn = document.getElementById("check-in-fields");
  var destination = document.getElementById("destination-field");
  function toggle() {
    checkIn.hidden = action.value !== "check_in";
    destination.hidden = action.value === "check_in";
  }
  action.addEventListener("change", toggle);
  toggle();

  var button = document.getElementById("camera");
  var video = document.getElementById("preview");
  var input = document.getElementById("id_waybill");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  document.getElementById("camera-hint").hidden = true;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["code_128", "code_39", "qr_code", "ean_13"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var timer = setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (!codes.length) return;
          clearInterval(timer);
          stream.getTracks().forEach(function (t) { t.stop(); });
          video.hidden = true;
          input.value = codes[0].rawValue.trim().toUpperCase();
          form.querySelector("button[type=submit]").focus();
        });
      }, 300);
    }).catch(function () { button.hidden = true; input.focus(); });
  });
})();
