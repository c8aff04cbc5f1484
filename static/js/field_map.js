// Field workbench maps: the worker's own grid drawn from the page (no tile server, no API call).
// #pick-map: tap to choose the event's place (the report form listens for "field:pick").
// #event-map: where an event is, read-only, so the page still scrolls under a finger.
(function () {
  const source = document.getElementById("grid-feature");
  if (!source || !window.L) return;
  const feature = JSON.parse(source.textContent);

  // Ray casting over GeoJSON rings ([lon, lat]); holes count by parity, as in the even-odd rule.
  function inRing(lon, lat, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function contains(lon, lat) {
    const g = feature.geometry;
    const polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    return polygons.some((rings) => rings.reduce((acc, ring) => acc !== inRing(lon, lat, ring), false));
  }

  function drawGrid(map) {
    const layer = L.geoJSON(feature, {
      style: { color: "#1f5fa8", weight: 2, fillColor: "#8fb4e3", fillOpacity: 0.25 },
      interactive: false,
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [12, 12] });
    return layer;
  }

  const pick = document.getElementById("pick-map");
  if (pick) {
    const map = L.map(pick, { attributionControl: false, zoomSnap: 0.25, tap: true });
    drawGrid(map);
    let marker = null;
    let circle = null;
    const api = {
      contains,
      setPoint(lon, lat, accuracy) {
        const at = [lat, lon];
        if (!marker) {
          marker = L.circleMarker(at, { radius: 9, color: "#fff", weight: 3, fillColor: "#c0392b", fillOpacity: 1 }).addTo(map);
        } else marker.setLatLng(at);
        if (circle) { circle.remove(); circle = null; }
        if (accuracy) circle = L.circle(at, { radius: accuracy, color: "#c0392b", weight: 1, fillOpacity: 0.08, interactive: false }).addTo(map);
        if (!map.getBounds().contains(at)) map.panTo(at);
      },
    };
    map.on("click", (e) => {
      pick.dispatchEvent(new CustomEvent("field:pick", { detail: { lon: e.latlng.lng, lat: e.latlng.lat } }));
    });
    window.gridgovFieldMap = api;
    pick.dispatchEvent(new CustomEvent("field:map-ready", { bubbles: true }));
  }

  const view = document.getElementById("event-map");
  if (view) {
    const map = L.map(view, {
      attributionControl: false, zoomControl: false, dragging: false, touchZoom: false,
      scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false, keyboard: false,
    });
    drawGrid(map);
    const lat = Number(view.dataset.lat), lon = Number(view.dataset.lon);
    if (Number.isFinite(lat) && Number.isFinite(lon)) {
      L.circleMarker([lat, lon], { radius: 8, color: "#fff", weight: 3, fillColor: "#c0392b", fillOpacity: 1 }).addTo(map);
    }
  }
})();
