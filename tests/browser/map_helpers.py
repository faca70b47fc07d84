"""Reading the map's state in the page: the Leaflet map and the cluster layer are globals
named in the page's ``#map-config``."""

from __future__ import annotations

from playwright.sync_api import Page

CONFIG = "JSON.parse(document.getElementById('map-config').textContent)"
MARKERS_IN_LAYER = f"() => {{ const c = {CONFIG}; return window[c.cluster].getLayers().length; }}"
# Markers a person sees on the map: a cluster counts for its number, a marker for one.
MARKERS_DRAWN = r"""() => {
  let total = 0;
  document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon').forEach((icon) => {
    if (icon.classList.contains('marker-cluster')) {
      total += parseInt(icon.querySelector('span').textContent.replace(/\D/g, ''), 10);
    } else {
      total += 1;
    }
  });
  return total;
}"""


def open_map(page: Page, path: str = "/peta") -> None:
    page.goto(path)
    page.wait_for_function(f"() => window[{CONFIG}.cluster] && ({MARKERS_IN_LAYER})() > 0")


def wait_for_layer_count(page: Page, count: int) -> None:
    page.wait_for_function(f"() => ({MARKERS_IN_LAYER})() === {count}")


def set_view(page: Page, latitude: float, longitude: float, zoom: int) -> None:
    page.evaluate(
        f"() => window[{CONFIG}.map].setView([{latitude}, {longitude}], {zoom}, {{animate: false}})"
    )


def wait_until_still(page: Page) -> None:
    """Until the map's zoom, cluster and popup animations are over (for screenshots)."""
    page.wait_for_function(
        "() => !document.querySelector('.leaflet-cluster-anim, .leaflet-zoom-anim')"
        " && [...document.querySelectorAll('.leaflet-popup, .leaflet-marker-icon')]"
        ".every((e) => getComputedStyle(e).opacity === '1')"
    )
