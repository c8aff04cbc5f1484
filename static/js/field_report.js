// Report form: location from the phone's GPS or a tap on the grid map, and a draft kept in this
// phone's localStorage (text, place, urgency, chosen matter and the form's idempotency key), so that
// a report typed in a dead spot survives a reload and is re-sent with the same key — the server then
// answers with the event the first attempt created instead of a second one.
(function () {
  const form = document.getElementById("report-form");
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  const lon = $("lon"), lat = $("lat"), status = $("location-status"), pick = $("pick-map");
  const description = $("description"), note = $("draft-note");
  const storageKey = form.dataset.draft;
  const store = (() => { try { return window.localStorage; } catch (e) { return null; } })();

  // -- location ----------------------------------------------------------------------------------
  const mapApi = () => window.gridgovFieldMap;
  function showStatus(text, warn) {
    status.textContent = text;
    status.classList.toggle("warn", !!warn);
  }
  function setLocation(x, y, how, accuracy) {
    lon.value = x.toFixed(6);
    lat.value = y.toFixed(6);
    const api = mapApi();
    if (api) api.setPoint(x, y, accuracy);
    const outside = api && !api.contains(x, y);
    showStatus(
      outside
        ? `${how}：${lon.value}, ${lat.value} —— 该位置不在本网格内，提交会被拒绝。请核对位置，或请属地网格员上报。`
        : `${how}：${lon.value}, ${lat.value}`,
      outside
    );
    saveDraft();
  }
  if (pick) pick.addEventListener("field:pick", (e) => setLocation(e.detail.lon, e.detail.lat, "地图点选"));
  if (lon.value && lat.value && mapApi()) mapApi().setPoint(Number(lon.value), Number(lat.value));

  const locate = $("locate-me");
  locate.addEventListener("click", () => {
    if (!navigator.geolocation || !window.isSecureContext) {
      showStatus("此浏览器不能定位（需要 HTTPS 访问），请在地图上点选位置。", true);
      return;
    }
    locate.disabled = true;
    showStatus("正在定位…");
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        locate.disabled = false;
        const acc = Math.round(pos.coords.accuracy || 0);
        setLocation(pos.coords.longitude, pos.coords.latitude, `手机定位（精度约 ${acc} 米）`, acc);
      },
      (err) => {
        locate.disabled = false;
        const why = {
          1: "没有定位权限，请在浏览器设置中允许定位，或在地图上点选位置。",
          2: "暂时无法获取位置（信号弱），请稍后重试或在地图上点选。",
          3: "定位超时，请重试或在地图上点选位置。",
        }[err.code] || "定位失败，请在地图上点选位置。";
        showStatus(why, true);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
    );
  });

  // -- draft ---------------------------------------------------------------------------------------
  function currentDraft() {
    const checked = (name) => (form.querySelector(`[name="${name}"]:checked`) || {}).value || "";
    return {
      key: form.elements.key.value,
      description: description.value,
      address: form.elements.address.value,
      urgency: checked("urgency"),
      matter_code: checked("matter_code"),
      lon: lon.value,
      lat: lat.value,
      saved: Date.now(),
    };
  }
  let timer = null;
  function saveDraft() {
    if (!store) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const d = currentDraft();
      if (d.description.trim() || d.lon) store.setItem(storageKey, JSON.stringify(d));
    }, 300);
  }
  function dropDraft() { if (store) store.removeItem(storageKey); }
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  form.addEventListener("field:submitted", () => { clearTimeout(timer); dropDraft(); });

  function refreshSuggestions(code) {
    if (!description.value.trim()) return;
    const ask = () => {
      if (!window.htmx) return;
      htmx.ajax("POST", description.getAttribute("hx-post"), {
        source: description, target: "#suggestions", values: { description: description.value, matter_code: code || "" },
      });
    };
    // htmx is loaded with `defer`: it runs after this script, before DOMContentLoaded.
    if (window.htmx) ask();
    else document.addEventListener("DOMContentLoaded", ask, { once: true });
  }

  function restore(d) {
    form.elements.key.value = d.key || form.dataset.newKey;
    description.value = d.description || "";
    form.elements.address.value = d.address || "";
    form.querySelectorAll('[name="urgency"]').forEach((r) => { r.checked = r.value === (d.urgency || "normal"); });
    if (d.lon && d.lat) setLocation(Number(d.lon), Number(d.lat), "草稿中的位置");
    refreshSuggestions(d.matter_code);
  }

  function clearForm() {
    dropDraft();
    form.reset();
    form.elements.key.value = form.dataset.newKey;
    description.value = "";
    form.elements.address.value = "";
    lon.value = lat.value = "";
    showStatus("尚未确定位置");
    note.hidden = true;
    document.getElementById("suggestions").querySelectorAll("input[type=radio]").forEach((r) => { r.checked = r.value === ""; });
  }

  if (store && form.dataset.fresh === "1") {
    let draft = null;
    try { draft = JSON.parse(store.getItem(storageKey) || "null"); } catch (e) { draft = null; }
    if (draft && (String(draft.description || "").trim() || draft.lon)) {
      restore(draft);
      const when = new Date(draft.saved || Date.now());
      const hhmm = `${String(when.getHours()).padStart(2, "0")}:${String(when.getMinutes()).padStart(2, "0")}`;
      note.innerHTML = "";
      note.append(`已恢复 ${when.getMonth() + 1}月${when.getDate()}日 ${hhmm} 未提交的草稿（照片需重新选择）。`);
      const clear = document.createElement("button");
      clear.type = "button";
      clear.className = "link-button";
      clear.textContent = "清空草稿，重新填写";
      clear.addEventListener("click", clearForm);
      note.append(" ", clear);
      note.hidden = false;
    }
  } else if (form.dataset.fresh === "0") {
    saveDraft(); // a refused submission: what the server echoed back is the draft now
  }
})();
