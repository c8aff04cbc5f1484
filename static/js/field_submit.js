// Forms of the field workbench (form[data-field-submit]): sent with fetch + FormData so that
//  - phone photos are shrunk before upload (long side ≤ 2048 px) on slow mobile networks,
//  - a refusal (HTTP 422) shows the server's message while the form keeps everything chosen,
//    photos included,
//  - a lost connection keeps the form as it is, to be sent again (the report form re-sends its
//    idempotency key, so a retry can never create a second event).
// Without fetch the forms post normally; the server answers both ways.
(function () {
  // Clear a report draft once its event page is shown (also after a plain, script-less post).
  // Only the draft that was sent with this event's key: a newer unsent draft stays.
  document.querySelectorAll("[data-clear-draft]").forEach((el) => {
    try {
      const draft = JSON.parse(window.localStorage.getItem(el.dataset.clearDraft) || "null");
      if (draft && draft.key === el.dataset.draftKey) window.localStorage.removeItem(el.dataset.clearDraft);
    } catch (e) { /* private mode or a broken draft: nothing to clear */ }
  });

  // -- photo previews ------------------------------------------------------------------------------
  document.querySelectorAll("input[type=file][data-previews]").forEach((input) => {
    const box = document.getElementById(input.dataset.previews);
    input.addEventListener("change", () => {
      box.querySelectorAll("img").forEach((img) => URL.revokeObjectURL(img.src));
      box.innerHTML = "";
      const files = Array.from(input.files || []);
      files.forEach((file) => {
        if (!file.type.startsWith("image/")) return;
        const img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = file.name;
        box.append(img);
      });
      if (files.length) {
        const count = document.createElement("span");
        count.className = "count-note";
        count.textContent = `已选 ${files.length} 张`;
        box.append(count);
      }
    });
  });

  const shrink = window.gridgovShrinkPhoto;

  async function body(form, submitter) {
    const data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    for (const input of form.querySelectorAll("input[type=file]")) {
      if (!input.name || !input.files || !input.files.length) continue;
      data.delete(input.name);
      for (const file of input.files) {
        const sent = await shrink(file);
        data.append(input.name, sent, sent.name);
      }
    }
    return data;
  }

  function say(form, html) {
    const box = document.getElementById(form.dataset.feedback);
    if (!box) return;
    box.innerHTML = html;
    box.scrollIntoView({ behavior: "smooth", block: "center" });
  }
  const escape = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  function setBusy(form, busy, submitter) {
    form.querySelectorAll("button[type=submit]").forEach((b) => {
      if (busy) {
        b.dataset.label = b.dataset.label || b.textContent;
        if (b === submitter || !submitter) b.textContent = b.dataset.busy || "正在提交…";
      } else if (b.dataset.label) {
        const retrying = form.dataset.retry && (b === submitter || (!submitter && form.querySelectorAll("button[type=submit]").length === 1));
        b.textContent = retrying ? "重新提交" : b.dataset.label;
      }
      b.disabled = busy;
    });
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  async function send(form, submitter) {
    if (form.dataset.sending) return;
    form.dataset.sending = "1";
    setBusy(form, true, submitter);
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: await body(form, submitter),
        headers: { "X-Field-Submit": "1" },
        credentials: "same-origin",
      });
    } catch (e) {
      form.dataset.retry = "1";
      form.retrySubmitter = submitter;
      say(
        form,
        form.dataset.draft
          ? '<div class="flash error" role="alert">网络连接失败，未能确认是否已提交。填写的内容仍在本页并已保存在本机；恢复网络后点「重新提交」，不会重复上报。</div>'
          : '<div class="flash error" role="alert">网络连接失败。恢复网络后请点「重新提交」；如果已经提交成功，刷新页面即可看到。</div>'
      );
      return;
    } finally {
      delete form.dataset.sending;
      setBusy(form, false, submitter);
    }
    const type = response.headers.get("Content-Type") || "";
    if (response.ok && type.includes("application/json")) {
      const answer = await response.json();
      delete form.dataset.retry;
      form.dispatchEvent(new CustomEvent("field:submitted", { detail: answer }));
      window.location.assign(answer.url);
      return;
    }
    if (response.redirected && response.url.includes("/accounts/login/")) {
      say(form, '<div class="flash error" role="alert">登录已过期。填写的内容已保存在本机，请<a href="/accounts/login/?next=' +
        encodeURIComponent(location.pathname) + '">重新登录</a>后再提交。</div>');
      return;
    }
    if (response.status === 422) {
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      // The message sits by the form, or on top of the page when the form is no longer offered.
      const fresh = [page.getElementById(form.dataset.feedback), page.getElementById("page-feedback")]
        .find((el) => el && el.textContent.trim());
      say(form, fresh ? fresh.innerHTML : '<div class="flash error" role="alert">提交未通过，请检查后重试。</div>');
      return;
    }
    if (response.status === 403) {
      say(form, '<div class="flash error" role="alert">页面已过期（安全校验失败）。填写的内容已保存在本机，请刷新页面后重新提交。</div>');
      return;
    }
    say(form, `<div class="flash error" role="alert">服务器暂时无法处理（HTTP ${escape(response.status)}），填写的内容仍在本页，请稍后重新提交。</div>`);
  }

  document.querySelectorAll("form[data-field-submit]").forEach((form) => {
    if (!window.fetch || !window.FormData || !window.DOMParser) return; // a plain post then
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      send(form, e.submitter || null);
    });
  });

  // Back online: a report whose answer was lost is sent again by itself (same key, same event).
  window.addEventListener("online", () => {
    document.querySelectorAll("form[data-field-submit][data-draft][data-retry]").forEach((form) => {
      say(form, '<div class="flash" role="status">网络已恢复，正在重新提交…</div>');
      send(form, form.retrySubmitter || null);
    });
  });
})();
