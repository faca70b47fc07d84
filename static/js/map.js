/* The services map (/peta): loads the compact marker document once, then filters,
   draws markers and clusters, builds popups and the accessible list in the browser.
   The Leaflet map and the empty cluster layer are made by folium's script on the page;
   their global names, the URLs and the interface strings come in #map-config.
   Text from the data is only ever set as textContent, never as HTML. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var S = config.strings;
  var map = window[config.map];
  var cluster = window[config.cluster];
  var form = document.getElementById("map-filters");
  var statusBox = document.getElementById("map-status");
  var results = document.getElementById("map-results");
  var moreButton = document.getElementById("map-more");
  var confidentialBox = document.getElementById("map-confidential");
  var confidentialList = document.getElementById("map-confidential-list");
  var nearButton = document.getElementById("map-near-me");
  var provinceSelect = document.getElementById("filter-province");
  var regencySelect = document.getElementById("filter-regency");
  var regencyOptions = Array.prototype.slice.call(regencySelect.options, 1);

  var PAGE_SIZE = 50;
  var ZONES = { 7: "WIB", 8: "WITA", 9: "WIT" };
  var FILTER_FIELDS = ["masalah", "jenis", "provinsi", "kabkota", "buka", "gratis"];

  var popupOptions = {};
  var regions = {};
  var entries = [];
  var hidden = [];
  var listed = [];
  var shown = 0;
  var origin = null;
  var originMarker = null;

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function link(href, text, className) {
    var anchor = element("a", className, text);
    anchor.href = href;
    return anchor;
  }

  function idUrl(pattern, id) {
    return pattern.replace("{id}", encodeURIComponent(id));
  }

  function telHref(number) {
    var digits = number.replace(/[^\d+]/g, "");
    return "tel:" + digits.charAt(0) + digits.slice(1).replace(/\+/g, "");
  }

  /* ---- Opening hours, in the location's own zone (WIB, WITA, WIT). ---- */

  function localClock(now, offset) {
    var local = new Date(now + offset * 3600000);
    return { day: (local.getUTCDay() + 6) % 7, minute: local.getUTCHours() * 60 + local.getUTCMinutes() };
  }

  function isOpen(entry, now) {
    if (!entry.windows.length) return null;
    var clock = localClock(now, entry.offset);
    var today = 1 << clock.day;
    var yesterday = 1 << ((clock.day + 6) % 7);
    return entry.windows.some(function (w) {
      var days = w[0], opens = w[1], closes = w[2];
      if (closes > opens) return (days & today) !== 0 && clock.minute >= opens && clock.minute < closes;
      if (closes === opens) return (days & today) !== 0;
      return ((days & today) !== 0 && clock.minute >= opens) || ((days & yesterday) !== 0 && clock.minute < closes);
    });
  }

  function clockText(minutes) {
    var hours = Math.floor(minutes / 60);
    var rest = minutes % 60;
    return (hours < 10 ? "0" : "") + hours + config.timeSeparator + (rest < 10 ? "0" : "") + rest;
  }

  function dayText(mask) {
    var runs = [];
    for (var day = 0; day < 7; day++) {
      if (!(mask & (1 << day))) continue;
      var last = runs[runs.length - 1];
      if (last && last[1] === day - 1) last[1] = day;
      else runs.push([day, day]);
    }
    var parts = [];
    runs.forEach(function (run) {
      if (run[1] - run[0] >= 2) parts.push(config.days[run[0]] + "–" + config.days[run[1]]);
      else for (var d = run[0]; d <= run[1]; d++) parts.push(config.days[d]);
    });
    return parts.join(", ");
  }

  function hoursText(entry) {
    var byTime = {};
    var order = [];
    entry.windows.forEach(function (w) {
      var key = w[1] + "-" + w[2];
      if (!(key in byTime)) { byTime[key] = 0; order.push(w); }
      byTime[key] |= w[0];
    });
    return order.map(function (w) {
      var days = dayText(byTime[w[1] + "-" + w[2]]);
      return w[1] === w[2] ? days + " " + S.allDay : days + " " + clockText(w[1]) + "–" + clockText(w[2]);
    }).join("; ") + " " + ZONES[entry.offset];
  }

  /* ---- The document: rows of arrays, names listed once (directory/map/data.py). ---- */

  function load(doc) {
    regions = doc.regions;
    // Narrow enough to fit a phone's map whole, so that it can be panned into view.
    popupOptions = {
      maxWidth: Math.max(160, Math.min(300, map.getSize().x - 140)),
      autoPanPaddingTopLeft: [64, 16],  // clear of the zoom buttons
      autoPanPaddingBottomRight: [16, 16]
    };
    var termIds = doc.terms.map(function (t) { return t[0]; });
    var organizations = doc.organizations.map(function (o) { return { id: o[0], name: o[1] }; });
    var services = doc.services.map(function (s) {
      return {
        id: s[0], name: s[1], organization: organizations[s[2]],
        terms: s[3].map(function (i) { return termIds[i]; }), free: s[4] === 1
      };
    });
    function servicesOf(indexes) { return indexes.map(function (i) { return services[i]; }); }

    entries = doc.locations.map(function (row) {
      var entry = {
        lat: row[0], lon: row[1], organization: organizations[row[2]], services: servicesOf(row[3]),
        region: row[4], name: row[5], address: row[6], phone: row[7], offset: row[8], windows: row[9],
        marker: null
      };
      if (entry.lat !== null && entry.lon !== null) {
        entry.marker = L.marker([entry.lat, entry.lon], {
          title: entry.organization.name, alt: entry.organization.name
        });
        entry.marker.entry = entry;
      }
      return entry;
    });
    hidden = doc.confidential.map(function (row) {
      return { organization: organizations[row[0]], services: servicesOf(row[1]), region: row[2], phone: row[3] };
    });
  }

  /* ---- Filters. ---- */

  function criteria() {
    return {
      problem: form.elements.masalah.value,
      type: form.elements.jenis.value,
      province: provinceSelect.value,
      regency: regencySelect.value,
      open: form.elements.buka.checked,
      free: form.elements.gratis.checked
    };
  }

  function serviceMatches(service, c) {
    return (!c.problem || service.terms.indexOf(c.problem) !== -1) &&
      (!c.type || service.terms.indexOf(c.type) !== -1) &&
      (!c.free || service.free);
  }

  function regionMatches(region, c) {
    if (c.regency) return region === c.regency;
    if (c.province) return !!region && region.slice(0, 2) === c.province;
    return true;
  }

  function matches(item, c, now) {
    return regionMatches(item.region, c) &&
      item.services.some(function (s) { return serviceMatches(s, c); }) &&
      (!c.open || isOpen(item, now) === true);
  }

  function syncRegencies() {
    var province = provinceSelect.value;
    var current = regencySelect.value;
    while (regencySelect.options.length > 1) regencySelect.remove(1);
    regencyOptions.forEach(function (option) {
      if (!province || option.getAttribute("data-province") === province) regencySelect.add(option);
    });
    regencySelect.value = regencyOptions.some(function (o) {
      return o.value === current && (!province || o.getAttribute("data-province") === province);
    }) ? current : "";
  }

  function rememberInUrl() {
    var params = new URLSearchParams();
    FILTER_FIELDS.forEach(function (name) {
      var field = form.elements[name];
      var value = field.type === "checkbox" ? (field.checked ? "1" : "") : field.value;
      if (value) params.set(name, value);
    });
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }

  function distanceKm(a, b) {
    var rad = Math.PI / 180;
    var dLat = (b[0] - a[0]) * rad, dLon = (b[1] - a[1]) * rad;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 6371.0088 * 2 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  /* Markercluster places markers in slices (chunkedLoading) and cannot cancel a
     placement: a new filter waits for the current one to finish. The list is drawn once
     the markers are on the map, so that the map shows first. */
  var placing = false;
  var waiting = null;
  var hiddenMatches = [];

  function apply(options) {
    if (placing) {
      waiting = options || {};
      return;
    }
    var c = criteria();
    var now = Date.now();
    listed = entries.filter(function (e) { return matches(e, c, now); });
    // Confidential places publish no hours: "open now" leaves them out.
    hiddenMatches = c.open ? [] : hidden.filter(function (h) {
      return matches(h, { problem: c.problem, type: c.type, province: c.province, regency: c.regency, free: c.free }, now);
    });
    if (origin) {
      listed.forEach(function (e) { e.distance = e.marker ? distanceKm(origin, [e.lat, e.lon]) : Infinity; });
      listed.sort(function (a, b) { return a.distance - b.distance; });
    }
    var markers = [];
    listed.forEach(function (e) { if (e.marker) markers.push(e.marker); });
    if (markers.length && (c.province || c.regency) && !(options && options.keepView)) {
      var bounds = L.latLngBounds(markers.map(function (m) { return m.getLatLng(); }));
      map.fitBounds(bounds, { maxZoom: 12, padding: [24, 24], animate: false });
    }
    var total = listed.length + hiddenMatches.length;
    var message = total ? format(S.count, { count: total.toLocaleString(config.lang) }) : S.countNone;
    statusBox.textContent = (origin ? S.located + " " : "") + message;
    rememberInUrl();
    placing = true;
    cluster.clearLayers();
    cluster.addLayers(markers);
  }

  function placed(done, total) {
    if (done < total) return;
    // After markercluster has put the clusters on the map (right after this callback).
    setTimeout(function () {
      placing = false;
      if (waiting) {
        var options = waiting;
        waiting = null;
        apply(options);
        return;
      }
      results.textContent = "";
      shown = 0;
      showMore();
      confidentialList.textContent = "";
      hiddenMatches.forEach(function (h) { confidentialList.appendChild(confidentialItem(h)); });
      confidentialBox.hidden = hiddenMatches.length === 0;
    }, 0);
  }

  /* ---- What a place shows: in its popup and in the list. ---- */

  /* "Kota Kupang, Nusa Tenggara Timur", leaving out a name the address already gives. */
  function regionName(code, address) {
    if (!code) return null;
    var names = [];
    if (code.length > 2 && regions[code]) names.push(regions[code]);
    if (regions[code.slice(0, 2)]) names.push(regions[code.slice(0, 2)]);
    names = names.filter(function (name) { return !address || address.indexOf(name) === -1; });
    return names.join(", ") || null;
  }

  function servicesBlock(services, limit) {
    var list = element("ul", "map-services");
    services.slice(0, limit).forEach(function (s) {
      var item = element("li");
      item.appendChild(link(idUrl(config.serviceUrl, s.id), s.name));
      list.appendChild(item);
    });
    if (services.length > limit) {
      list.appendChild(element("li", "muted", format(S.moreServices, { count: services.length - limit })));
    }
    return list;
  }

  function hoursBlock(entry) {
    var paragraph = element("p", "map-hours");
    var open = isOpen(entry, Date.now());
    if (open === null) {
      paragraph.appendChild(element("span", "muted", S.hoursUnknown));
      return paragraph;
    }
    paragraph.appendChild(element("span", "status " + (open ? "status-open" : "status-closed"), open ? S.openNow : S.closedNow));
    paragraph.appendChild(document.createTextNode(" " + hoursText(entry)));
    return paragraph;
  }

  function phoneBlock(number) {
    var paragraph = element("p", "map-phone");
    paragraph.appendChild(document.createTextNode(S.phone + ": "));
    paragraph.appendChild(link(telHref(number), number, "phone"));
    return paragraph;
  }

  function placeDetails(container, entry, serviceLimit) {
    if (entry.name) container.appendChild(element("p", "map-place-name", entry.name));
    container.appendChild(servicesBlock(entry.services, serviceLimit));
    var where = [entry.address, regionName(entry.region, entry.address)].filter(Boolean).join(", ");
    if (where) container.appendChild(element("p", "map-address", where));
    container.appendChild(hoursBlock(entry));
    if (entry.phone) container.appendChild(phoneBlock(entry.phone));
  }

  function popup(entry) {
    var box = element("div", "map-popup");
    var heading = element("p", "map-popup-title");
    heading.appendChild(link(idUrl(config.organizationUrl, entry.organization.id), entry.organization.name));
    box.appendChild(heading);
    placeDetails(box, entry, 5);
    return box;
  }

  /* A popup is bound to a marker the first time it is opened, not to all 10,000 up front;
     from then on Leaflet opens and closes it (click, or Enter on the focused marker). */
  function withPopup(marker) {
    if (!marker.getPopup()) {
      marker.bindPopup(function () { return popup(marker.entry); }, popupOptions);
    }
    return marker;
  }

  function openFirstTime(event) {
    var marker = event.layer;
    if (!marker.entry || marker.getPopup()) return;
    if (event.type === "keypress" && event.originalEvent.keyCode !== 13) return;
    withPopup(marker).openPopup();
  }

  /* zoomToShowLayer gives up silently when asked during a cluster animation (a tap on a
     cluster just before): ask again after each move or animation until it calls back. */
  function showOnMap(entry) {
    var marker = entry.marker;
    var opened = false;
    var attempts = 0;
    function settle() {
      map.off("moveend", retry);
      cluster.off("animationend", retry);
    }
    function open() {
      if (opened) return;
      opened = true;
      settle();
      withPopup(marker).openPopup();
      var first = marker.getPopup().getElement().querySelector("a");
      if (first) first.focus({ preventScroll: true });
    }
    function attempt() {
      if (opened) return;
      if (attempts++ >= 6) { settle(); return; }
      cluster.zoomToShowLayer(marker, open);
    }
    function retry() { setTimeout(attempt, 0); }
    document.querySelector(".map-canvas").scrollIntoView({ block: "nearest" });
    map.on("moveend", retry);
    cluster.on("animationend", retry);
    attempt();
  }

  function resultItem(entry) {
    var item = element("li", "map-result");
    var heading = element("h3");
    heading.appendChild(link(idUrl(config.organizationUrl, entry.organization.id), entry.organization.name));
    item.appendChild(heading);
    placeDetails(item, entry, 20);
    if (origin && entry.marker) {
      var km = entry.distance < 10 ? entry.distance.toFixed(1) : Math.round(entry.distance);
      item.appendChild(element("p", "map-distance", format(S.distance, { km: Number(km).toLocaleString(config.lang) })));
    }
    if (entry.marker) {
      var button = element("button", "map-show", S.showOnMap);
      button.type = "button";
      button.addEventListener("click", function () { showOnMap(entry); });
      item.appendChild(button);
    } else {
      item.appendChild(element("p", "muted", S.notOnMap));
    }
    return item;
  }

  function confidentialItem(place) {
    var item = element("li", "map-result map-confidential");
    var heading = element("h3");
    heading.appendChild(link(idUrl(config.organizationUrl, place.organization.id), place.organization.name));
    item.appendChild(heading);
    item.appendChild(servicesBlock(place.services, 20));
    var where = element("p", "map-address");
    where.appendChild(element("strong", null, S.confidential));
    var region = regionName(place.region);
    if (region) where.appendChild(document.createTextNode(" · " + region));
    item.appendChild(where);
    item.appendChild(element("p", null, S.confidentialHelp));
    var reach = element("p", "map-phone");
    if (place.phone) {
      reach.appendChild(document.createTextNode(S.reachThrough + " "));
      reach.appendChild(link(telHref(place.phone), place.phone, "phone"));
      reach.appendChild(document.createTextNode(" " + S.or + " "));
    }
    reach.appendChild(link("tel:129", "SAPA 129", "phone"));
    reach.appendChild(document.createTextNode(" (" + S.hotline + ")"));
    item.appendChild(reach);
    return item;
  }

  function showMore() {
    var fragment = document.createDocumentFragment();
    var next = listed.slice(shown, shown + PAGE_SIZE);
    next.forEach(function (entry) { fragment.appendChild(resultItem(entry)); });
    results.appendChild(fragment);
    shown += next.length;
    var left = listed.length - shown;
    moreButton.hidden = left <= 0;
    moreButton.textContent = format(S.more, { count: Math.min(left, PAGE_SIZE) });
  }

  /* ---- Near me. ---- */

  function locate() {
    statusBox.textContent = S.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      origin = [position.coords.latitude, position.coords.longitude];
      if (originMarker) originMarker.remove();
      originMarker = L.circleMarker(origin, { radius: 9, color: "#084f39", weight: 3, fillOpacity: 0.4 })
        .bindTooltip(S.you).addTo(map);
      map.setView(origin, 11);
      apply({ keepView: true });
    }, function () {
      statusBox.textContent = S.locationFailed;
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  }

  /* ---- Start. ---- */

  function clusterIcon(group) {
    var count = group.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var label = document.createElement("div");
    var number = element("span", null, count.toLocaleString(config.lang));
    number.setAttribute("aria-hidden", "true");
    label.appendChild(number);
    label.appendChild(element("span", "visually-hidden", format(S.cluster, { count: count })));
    return L.divIcon({ html: label.outerHTML, className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40) });
  }

  function start(doc) {
    load(doc);
    cluster.options.iconCreateFunction = clusterIcon;
    cluster.options.chunkProgress = placed;
    cluster.on("click keypress", openFirstTime);
    syncRegencies();
    if ("geolocation" in navigator) nearButton.hidden = false;
    form.addEventListener("change", function (event) {
      if (event.target === provinceSelect) syncRegencies();
      apply();
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    moreButton.addEventListener("click", function () {
      var first = shown;
      showMore();
      var link = results.children[first] && results.children[first].querySelector("a");
      if (link) link.focus();
    });
    nearButton.addEventListener("click", locate);
    apply();
  }

  fetch(config.dataUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(start)
    .catch(function (error) {
      statusBox.textContent = S.loadError;
      console.error(error);
    });
})();
