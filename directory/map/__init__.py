"""The public services map: ``/peta`` (alias ``/map``), its marker data, and small maps
for other pages (:mod:`directory.map.folium_maps`)."""
