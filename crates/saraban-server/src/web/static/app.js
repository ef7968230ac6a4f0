// saraban: small enhancements over plain forms. Everything works without
// this file; with it, forms show progress, the draft preview follows the
// typing, and drafts are saved a while after the last change.
(function () {
  "use strict";

  // Long operations (typesetting, issuing) show that they are under way.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
      form.setAttribute("aria-busy", "true");
      if (button && button.name) {
        // A disabled button is not sent; carry its value in a hidden field.
        var carried = document.createElement("input");
        carried.type = "hidden"; carried.name = button.name; carried.value = button.value;
        form.appendChild(carried);
      }
      if (button) { button.disabled = true; button.dataset.label = button.textContent; button.textContent = "กำลังจัดทำ…"; }
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[aria-busy]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button[disabled]").forEach(function (b) { b.disabled = false; if (b.dataset.label) b.textContent = b.dataset.label; });
    });
  });
  document.querySelectorAll("a[data-busy-link]").forEach(function (link) {
    link.addEventListener("click", function () {
      var note = document.createElement("span");
      note.className = "busy-note"; note.setAttribute("role", "status");
      note.textContent = " กำลังจัดทำ…";
      link.after(note);
      setTimeout(function () { note.remove(); }, 8000);
    });
  });

  var form = document.querySelector("form[data-preview]");
  if (!form) return;
  var pages = document.getElementById("preview-pages");
  var status = document.getElementById("autosave-status");
  var previewTimer = null, saveTimer = null, changed = false, sequence = 0;

  function body() { return new URLSearchParams(new FormData(form)); }

  function refreshPreview() {
    var mine = ++sequence;
    pages.setAttribute("aria-busy", "true");
    fetch("/preview", { method: "POST", body: body(), credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { if (mine === sequence) { pages.innerHTML = html; } })
      .finally(function () { pages.removeAttribute("aria-busy"); });
  }

  function autosave() {
    if (!changed) return;
    changed = false;
    status.textContent = "กำลังบันทึกร่าง…";
    fetch("/autosave", { method: "POST", body: body(), credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        status.textContent = answer.message;
        if (answer.saved && answer.id) {
          // From now on the form edits the saved draft.
          form.querySelector("input[name=doc]").value = answer.id;
          form.action = "/doc/" + answer.id + "/edit";
          if (window.location.pathname.indexOf("/new/") === 0) {
            history.replaceState(null, "", "/doc/" + answer.id + "/edit");
          }
        }
      })
      .catch(function () { status.textContent = "บันทึกอัตโนมัติไม่สำเร็จ (เชื่อมต่อไม่ได้)"; });
  }

  form.addEventListener("input", function (event) {
    if (event.target && event.target.name && event.target.name.indexOf(".paste") > 0) return;
    changed = true;
    clearTimeout(previewTimer); previewTimer = setTimeout(refreshPreview, 900);
    clearTimeout(saveTimer); saveTimer = setTimeout(autosave, 4000);
  });
  form.addEventListener("submit", function () { clearTimeout(saveTimer); changed = false; });
  refreshPreview();
})();
