// Territory map: township/village outlines and clickable grids, drawn from the region API.
// No tile server: the polygons are the map.
(function () {
  const el = document.getElementById("map");
  if (!el || !window.L) return;
  const roots = (el.dataset.roots || "").split(",").filter(Boolean).map((s) => {
    const [code, level] = s.split(":");
    return { code, level: Number(level) };
  });
  const map = L.map(el, { zoomSnap: 0.25, attributionControl: false, preferCanvas: true });
  const palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
                   "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#2ca02c", "#d62728", "#9467bd"];
  // Neighbouring grids get different colours: the colour follows the village and grid sequence.
  const colourOf = (code) => palette[(parseInt(code.slice(9, 12), 10) * 7 + parseInt(code.slice(12, 15), 10)) % palette.length];
  const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const bounds = L.latLngBounds([]);
  const overlays = {};
  const control = L.control.layers(null, overlays, { collapsed: false }).addTo(map);

  async function layer(root, level, style, label, interactive) {
    const response = await fetch(`/api/v1/regions/${root}/geojson?level=${level}`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`加载${label}失败（${response.status}）`);
    const data = await response.json();
    const geo = L.geoJSON(data, {
      style,
      interactive,
      onEachFeature: (feature, lyr) => {
        const p = feature.properties;
        if (interactive) {
          lyr.bindPopup(
            `<b>${escape(p.name)}</b><br>代码：${escape(p.code)}<br>常住人口：${p.residents}` +
            `${p.synthetic ? '<br><span class="tag synthetic">合成数据</span>' : ""}` +
            `<br><a href="/territory/${encodeURIComponent(p.code)}/">查看详情</a>`
          );
        } else if (level !== "grid") {
          lyr.bindTooltip(escape(p.name), { permanent: true, direction: "center", className: "region-label" });
        }
      },
    });
    if (data.features.length) {
      geo.addTo(map);
      bounds.extend(geo.getBounds());
      control.addOverlay(geo, `${label}（${data.features.length}）`);
    }
    return geo;
  }

  async function draw() {
    for (const root of roots) {
      await layer(root.code, "grid", (f) => ({ color: "#ffffff", weight: 0.6, fillColor: colourOf(f.properties.code), fillOpacity: 0.45 }), "网格", true);
      const outline = root.level <= 1 ? "township" : root.level === 2 ? "village" : null;
      if (outline) {
        await layer(root.code, outline, () => ({ color: "#17324d", weight: 2, fill: false }), outline === "township" ? "乡镇/街道" : "村/社区", false);
      }
    }
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
    else el.innerHTML = '<p class="empty">管辖范围内没有带边界的网格。</p>';
    // Lets tests and other scripts act on the drawn map.
    el.dispatchEvent(new CustomEvent("gridgov:map-ready", { detail: { map } }));
  }
  draw().catch((err) => { el.insertAdjacentHTML("beforebegin", `<div class="flash error">${escape(err.message)}</div>`); });
})();
