// Open events on a map, coloured by SLA state (events/sla.py), with the township outlines of the
// user's territory underneath. Data: the desk's map.json with the same filters as the list.
(function () {
  const el = document.getElementById("event-map");
  if (!el || !window.L) return;
  const colours = { green: "#2e7d32", yellow: "#f9a825", red: "#c62828", grey: "#9e9e9e" };
  const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: false, preferCanvas: true }).setView([28.9, 120.05], 11);
  const count = document.getElementById("event-map-count");

  // Township (or, for a township user, village) outlines under the points, from the region API.
  async function outlines() {
    for (const root of (el.dataset.roots || "").split(",").filter(Boolean)) {
      const [code, level] = root.split(":");
      const below = Number(level) <= 1 ? "township" : "village";
      const response = await fetch(`/api/v1/regions/${code}/geojson?level=${below}`, { credentials: "same-origin" });
      if (!response.ok) continue;
      L.geoJSON(await response.json(), { style: () => ({ color: "#17324d", weight: 1.5, fill: false }), interactive: false }).addTo(map);
    }
  }

  async function draw() {
    const response = await fetch(el.dataset.source, { credentials: "same-origin" });
    if (!response.ok) {
      el.innerHTML = `<p class="empty">加载事件失败（${response.status}），请刷新重试。</p>`;
      return;
    }
    const data = await response.json();
    const bounds = L.latLngBounds([]);
    for (const p of data.points) {
      const marker = L.circleMarker([p.lat, p.lon], {
        radius: 6, weight: 1, color: "#ffffff", fillColor: colours[p.sla] || colours.grey, fillOpacity: 0.9,
      }).addTo(map);
      marker.bindPopup(`<b>${escape(p.matter)}</b> ${escape(p.state)}<br>${escape(p.text)}<br><a href="${escape(p.url)}">${escape(p.number)}</a>`);
      bounds.extend(marker.getLatLng());
    }
    count.textContent = `共 ${data.points.length} 个未结事件`;
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.1));
    else {
      map.setView([28.9, 120.05], 11);
      count.textContent = "没有符合条件的未结事件";
    }
    el.dispatchEvent(new CustomEvent("gridgov:map-ready", { detail: { map, points: data.points.length } }));
  }

  outlines().finally(draw);
})();
