// Citizen report form (随手拍): location by GPS or a tap on the county map, photos from the camera or
// the album (shrunk on the phone before upload), matter suggestions, and a submission that keeps
// everything typed when it fails. Without JavaScript the form still posts as a plain form.
(function () {
  const form = document.getElementById("report-form");
  if (!form) return;
  const MAX_PHOTOS = 9;
  const lonInput = document.getElementById("id_lon");
  const latInput = document.getElementById("id_lat");
  const place = document.getElementById("place");
  const mapEl = document.getElementById("report-map");
  const errors = document.getElementById("report-errors");
  const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const say = (el, html, cls) => { el.innerHTML = `<p class="c-place ${cls}">${html}</p>`; };

  // -- location -------------------------------------------------------------------------------------
  let map = null;
  let marker = null;

  function setPoint(lat, lon, zoom) {
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    if (map) {
      const at = [lat, lon];
      if (marker) marker.setLatLng(at);
      else marker = L.circleMarker(at, { radius: 9, color: "#fff", weight: 3, fillColor: "#c0392b", fillOpacity: 1 }).addTo(map);
      if (zoom) map.setView(at, Math.max(map.getZoom(), zoom));
    }
    const url = `${mapEl.dataset.placeUrl}?lon=${encodeURIComponent(lonInput.value)}&lat=${encodeURIComponent(latInput.value)}`;
    if (window.htmx) htmx.ajax("GET", url, { target: place, swap: "innerHTML" });
  }

  if (mapEl && window.L) {
    map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: false, preferCanvas: true });
    map.setView([28.9, 120.05], 10);
    fetch(mapEl.dataset.outlineUrl, { credentials: "same-origin" })
      .then((r) => { if (!r.ok) throw new Error(`地图加载失败（${r.status}）`); return r.json(); })
      .then((data) => {
        const styles = {
          county: { color: "#17324d", weight: 3, fill: false },
          township: { color: "#1f5fa8", weight: 1.5, fillColor: "#cfe0f3", fillOpacity: 0.4 },
          village: { color: "#7f9cbc", weight: 0.6, fill: false, dashArray: "3 3" },
        };
        const villageLabels = [];
        const layer = L.geoJSON(data, {
          style: (f) => styles[f.properties.level],
          interactive: false,
          onEachFeature: (f, lyr) => {
            const name = escape(f.properties.name);
            if (f.properties.level === "township") {
              lyr.bindTooltip(name, { permanent: true, direction: "center", className: "region-label" });
            } else if (f.properties.level === "village") {
              villageLabels.push(L.tooltip({ permanent: true, direction: "center", className: "region-label village-label" })
                .setLatLng(lyr.getBounds().getCenter()).setContent(name));
            }
          },
        }).addTo(map);
        // Village names only when zoomed in far enough to read them; township names when zoomed out.
        const labelsFor = () => {
          const near = map.getZoom() >= 12.5;
          villageLabels.forEach((t) => (near ? t.addTo(map) : t.remove()));
          mapEl.classList.toggle("near", near);
        };
        map.on("zoomend", labelsFor);
        const bounds = layer.getBounds();
        if (bounds.isValid()) {
          map.fitBounds(bounds, { padding: [6, 6], animate: false });
          // No base map: keep the county in view and the zoom where the outlines still mean something.
          map.setMinZoom(map.getZoom() - 0.5);
          map.setMaxZoom(16);
          map.setMaxBounds(bounds.pad(0.2));
        }
        labelsFor();
        if (lonInput.value && latInput.value) setPoint(Number(latInput.value), Number(lonInput.value), 12);
        mapEl.dispatchEvent(new CustomEvent("gridgov:map-ready", { detail: { map } }));
      })
      .catch((err) => say(place, escape(err.message), "bad"));
    map.on("click", (e) => setPoint(e.latlng.lat, e.latlng.lng));
  }

  const locate = document.getElementById("locate-me");
  if (locate) {
    locate.addEventListener("click", () => {
      if (!navigator.geolocation) {
        say(place, "您的浏览器不支持定位，请在地图上点选问题位置", "bad");
        return;
      }
      locate.disabled = true;
      say(place, "正在定位…", "ok");
      navigator.geolocation.getCurrentPosition(
        (pos) => { locate.disabled = false; setPoint(pos.coords.latitude, pos.coords.longitude, 13); },
        (err) => {
          locate.disabled = false;
          const why = {
            1: "您没有允许获取位置",
            2: "暂时无法获取位置",
            3: "定位超时",
          }[err.code] || "定位失败";
          say(place, `${why}，请在地图上点选问题所在位置`, "bad");
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    });
  }

  // -- matter suggestions ---------------------------------------------------------------------------
  const matter = document.getElementById("id_matter");
  form.addEventListener("click", (e) => {
    const chip = e.target.closest("[data-matter]");
    if (!chip || !matter) return;
    matter.value = chip.dataset.matter;
    form.querySelectorAll("[data-matter]").forEach((c) => c.classList.toggle("chosen", c === chip));
  });

  // -- photos ---------------------------------------------------------------------------------------
  const pickers = Array.from(form.querySelectorAll("input[data-picker]"));
  const files = document.getElementById("photo-files");
  const previews = document.getElementById("photo-previews");
  const note = document.getElementById("photo-note");
  const submit = form.querySelector("button[type=submit]");
  let chosen = [];
  let busy = 0;
  let canCollect = false;
  try { canCollect = typeof DataTransfer === "function" && !!new DataTransfer().items; } catch (e) { canCollect = false; }

  if (canCollect && files) {
    // The pickers only pick; the chosen (shrunk) photos travel in one hidden input.
    pickers.forEach((p) => p.removeAttribute("name"));
    files.name = "photos";
    files.disabled = false;
  }

  const shrink = window.gridgovShrinkPhoto;

  function render() {
    const dt = new DataTransfer();
    chosen.forEach((f) => dt.items.add(f));
    files.files = dt.files;
    previews.querySelectorAll("img").forEach((img) => URL.revokeObjectURL(img.src));
    previews.innerHTML = "";
    chosen.forEach((f, i) => {
      const li = document.createElement("li");
      const img = document.createElement("img");
      img.src = URL.createObjectURL(f);
      img.alt = `照片 ${i + 1}`;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "×";
      remove.setAttribute("aria-label", `删除照片 ${i + 1}`);
      remove.addEventListener("click", () => { chosen.splice(i, 1); render(); });
      li.append(img, remove);
      previews.append(li);
    });
    note.textContent = chosen.length ? `已选 ${chosen.length} 张，还可以再选 ${MAX_PHOTOS - chosen.length} 张` : "";
  }

  pickers.forEach((picker) => picker.addEventListener("change", async () => {
    if (!canCollect) return;
    const picked = Array.from(picker.files);
    picker.value = "";
    const room = MAX_PHOTOS - chosen.length;
    if (picked.length > room) note.textContent = `最多 ${MAX_PHOTOS} 张，多出的 ${picked.length - room} 张没有加入`;
    busy += 1;
    submit.disabled = true;
    note.textContent = "正在处理照片…";
    try {
      const shrunk = await Promise.all(picked.slice(0, Math.max(room, 0)).map(shrink));
      chosen = chosen.concat(shrunk).slice(0, MAX_PHOTOS);
    } finally {
      busy -= 1;
      submit.disabled = busy > 0;
      render();
    }
  }));

  // -- submission -----------------------------------------------------------------------------------
  form.addEventListener("htmx:afterSwap", (e) => {
    if (e.detail.target === errors && errors.textContent.trim()) errors.scrollIntoView({ behavior: "smooth", block: "start" });
  });
  const failed = (why) => () => {
    errors.innerHTML = `<div class="flash error" role="alert"><b>提交未成功</b><ul><li>${why}</li></ul>` +
      "<small>您填写的内容已保留，请稍后再点“提交”；重复提交不会产生重复的上报。</small></div>";
    errors.scrollIntoView({ behavior: "smooth", block: "start" });
  };
  form.addEventListener("htmx:sendError", failed("网络连接异常，没有收到服务器的答复。"));
  form.addEventListener("htmx:responseError", failed("服务器暂时无法处理，请稍后再试。"));
})();
