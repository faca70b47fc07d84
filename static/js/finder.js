/* The search page (/cari), enhanced: place suggestions from /api/v1/places in the
   <datalist>, and "use my location" filling the hidden latitude/longitude fields.
   The page works without it. Place names are only ever set as option values. */
(function () {
  "use strict";
  var place = document.getElementById("finder-place");
  var list = document.getElementById("finder-places");
  var lat = document.getElementById("finder-lat");
  var lon = document.getElementById("finder-lon");
  var locate = document.querySelector(".finder-locate");
  if (!place || !list) { return; }

  var timer = null;
  var last = "";
  place.addEventListener("input", function () {
    lat.value = "";
    lon.value = "";
    var text = place.value.trim();
    if (text.length < 3 || text === last) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      last = text;
      var url = place.dataset.placesUrl + "?per_page=8&search=" + encodeURIComponent(text);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { contents: [] }; })
        .then(function (page) {
          list.textContent = "";
          page.contents.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.context || item.name;
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are a convenience */ });
    }, 250);
  });

  if (locate && "geolocation" in navigator) {
    locate.hidden = false;
    var label = locate.textContent;
    locate.addEventListener("click", function () {
      locate.disabled = true;
      locate.textContent = locate.dataset.busy;
      navigator.geolocation.getCurrentPosition(function (position) {
        // About 100 m: the address bar, history and access logs never hold the exact spot.
        lat.value = position.coords.latitude.toFixed(3);
        lon.value = position.coords.longitude.toFixed(3);
        place.value = "";
        locate.form.submit();
      }, function () {
        locate.disabled = false;
        locate.textContent = locate.dataset.failed;
        setTimeout(function () { locate.textContent = label; }, 4000);
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
    });
  }
})();
