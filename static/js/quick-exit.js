/* Quick exit ("Keluar cepat"): leave at once for a neutral site, with location.replace
   so that this page is not one step back in the browser's history. The Escape key does
   the same on every page that shows the button, except inside the map, where Escape
   closes a popup. Without script the button is a plain link to the same site. */
(function () {
  "use strict";
  var button = document.getElementById("quick-exit");
  if (!button) { return; }
  var target = button.href;

  function leave(event) {
    if (event) { event.preventDefault(); }
    // Nothing of this site should be seen while the next page loads.
    document.documentElement.style.visibility = "hidden";
    window.location.replace(target);
  }

  button.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") { return; }
    var where = event.target;
    if (where && where.closest && where.closest(".leaflet-container")) { return; }
    leave(event);
  });
})();
