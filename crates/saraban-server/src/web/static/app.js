// saraban: small enhancements over plain forms. Everything works without
// this file; with it, forms show progress, the draft preview follows the
// typing, and drafts are saved a while after the last change.
(function () {
  "use strict";

  // A button of the document form that changes its shape (add or remove a
  // paragraph, table, row or item): done in place by the script, below.
  function isShapeOp(form, button) {
    return form.hasAttribute("data-preview") && button && button.name === "op" &&
      button.value !== "save" && button.value !== "preview";
  }

  // Long operations (typesetting, issuing) show that they are under way.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (isShapeOp(form, button)) return;
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

  // The parts the preview found empty are marked in the form too.
  function markEmpty() {
    form.querySelectorAll(".is-empty").forEach(function (e) { e.classList.remove("is-empty"); });
    pages.querySelectorAll("[data-empty]").forEach(function (li) {
      var part = document.getElementById(li.getAttribute("data-empty"));
      if (part) (part.closest(".block, .field") || part).classList.add("is-empty");
    });
  }

  function changedNow(delay) {
    changed = true;
    clearTimeout(previewTimer); previewTimer = setTimeout(refreshPreview, delay);
    clearTimeout(saveTimer); saveTimer = setTimeout(autosave, 4000);
  }

  // The body's blocks come back from the server (the same answer the
  // button gives without the script) and replace the old ones in place:
  // no new page, no jump. Where the server cannot answer, the form is sent.
  var shaping = false, shapes = 0, columnsTimer = null, queue = [];
  function reshape(op, focusAfter) {
    // One at a time, in the order asked: each answer is the form after it.
    clearTimeout(columnsTimer);
    if (shaping) { queue.push([op, focusAfter]); return; }
    shaping = true;
    var data = body();
    data.append("op", op);
    var focused = document.activeElement, name = focused && focused.name;
    var selection = focused && "selectionStart" in focused ? [focused.selectionStart, focused.selectionEnd] : null;
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("body-blocks");
        var old = document.getElementById("body-blocks");
        if (!fresh || !old) throw new Error("no blocks");
        var y = window.scrollY;
        old.replaceWith(fresh);
        if (window.scrollY !== y) window.scrollTo(window.scrollX, y);
        var target = focusAfter ? focusAfter(fresh) : (name && fresh.querySelector("[name='" + CSS.escape(name) + "']"));
        if (target) {
          target.focus({ preventScroll: true });
          if (!focusAfter && selection && "setSelectionRange" in target) { try { target.setSelectionRange(selection[0], selection[1]); } catch (e) { /* not a text field */ } }
        }
        form.setAttribute("data-updated", String(++shapes));
        changedNow(300);
      })
      .catch(function () {
        var carried = document.createElement("input");
        carried.type = "hidden"; carried.name = "op"; carried.value = op;
        form.appendChild(carried);
        form.submit();
      })
      .finally(function () {
        shaping = false;
        var next = queue.shift();
        if (next) reshape(next[0], next[1]);
      });
  }

  // Where the focus goes after a button: the new row, block or footer.
  function focusFor(op) {
    var parts = op.split(":"), verb = parts[0], i = parts[1];
    return function (fresh) {
      var block = fresh.querySelector("[data-block='" + i + "']");
      var blocks = fresh.querySelectorAll(".block");
      switch (verb) {
        case "add-row": return block && block.querySelector("tbody tr:last-child textarea");
        case "add-footer": return block && block.querySelector("tfoot textarea");
        case "remove-row": case "remove-footer": return block && block.querySelector("button[value^='add-row']");
        case "up": return fresh.querySelector("[data-block='" + (i - 1) + "'] select");
        case "remove-block": return (block || blocks[blocks.length - 1]).querySelector("select");
        default: return blocks.length && blocks[blocks.length - 1].querySelector("textarea, input:not([type=hidden])");
      }
    };
  }

  form.addEventListener("submit", function (event) {
    if (!isShapeOp(form, event.submitter)) { clearTimeout(saveTimer); changed = false; return; }
    event.preventDefault();
    reshape(event.submitter.value, focusFor(event.submitter.value));
  });

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target && target.name && target.name.indexOf(".paste") > 0) return;
    // A column heading renamed shows at once above its cells; a column
    // added or taken away brings the grid back with as many cells.
    if (target && /\.table\.columns$/.test(target.name)) {
      var names = target.value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
      var heads = target.closest(".block").querySelectorAll("thead tr:first-child th[scope=col]");
      if (names.length === heads.length) {
        heads.forEach(function (th, c) { th.textContent = names[c]; });
      } else {
        clearTimeout(columnsTimer); columnsTimer = setTimeout(function () { reshape("refresh"); }, 700);
      }
    }
    changedNow(900);
  });
  form.addEventListener("change", function (event) {
    // A block turned into another kind comes back as that kind.
    if (event.target && /^body\[\d+\]\.type$/.test(event.target.name)) reshape("refresh");
  });
  new MutationObserver(markEmpty).observe(pages, { childList: true });
  refreshPreview();
})();

// The receiving stamp's place: dragging its box on the stamped first page
// sets the form's millimetres (the form works without this).
(function () {
  "use strict";
  var stage = document.getElementById("stamp-stage");
  var box = document.getElementById("stamp-box");
  var x = document.getElementById("stamp-x"), y = document.getElementById("stamp-y");
  if (!stage || !box || !x || !y) return;
  var width = parseFloat(stage.dataset.widthMm), height = parseFloat(stage.dataset.heightMm);
  var boxW = parseFloat(stage.dataset.stampW), boxH = parseFloat(stage.dataset.stampH);
  box.hidden = false;
  box.setAttribute("title", "ลากเพื่อเลือกตำแหน่งตรารับ");
  box.style.width = (boxW / width * 100) + "%"; box.style.height = (boxH / height * 100) + "%";
  box.style.left = (parseFloat(stage.dataset.x) / width * 100) + "%";
  box.style.top = (parseFloat(stage.dataset.y) / height * 100) + "%";
  var grab = null;
  function clamp(v, lo, hi) { return Math.min(Math.max(v, lo), hi); }
  function place(mmX, mmY) {
    mmX = clamp(mmX, 0, Math.max(0, width - boxW)); mmY = clamp(mmY, 0, Math.max(0, height - boxH));
    box.style.left = (mmX / width * 100) + "%"; box.style.top = (mmY / height * 100) + "%";
    x.value = Math.round(mmX); y.value = Math.round(mmY);
  }
  function at(event) {
    var r = stage.getBoundingClientRect();
    return { x: (event.clientX - r.left) / r.width * width, y: (event.clientY - r.top) / r.height * height };
  }
  stage.addEventListener("pointerdown", function (event) {
    var p = at(event), b = box.getBoundingClientRect(), r = stage.getBoundingClientRect();
    var left = (b.left - r.left) / r.width * width, top = (b.top - r.top) / r.height * height;
    // Grabbed inside the box: keep the grip; elsewhere: the box's corner goes there.
    grab = event.target === box ? { x: p.x - left, y: p.y - top } : { x: 0, y: 0 };
    place(p.x - grab.x, p.y - grab.y);
    try { stage.setPointerCapture(event.pointerId); } catch (e) { /* a synthetic pointer */ }
    event.preventDefault();
  });
  stage.addEventListener("pointermove", function (event) {
    if (!grab) return;
    var p = at(event); place(p.x - grab.x, p.y - grab.y);
  });
  stage.addEventListener("pointerup", function () { grab = null; });
  function typed() {
    var mmX = parseFloat(x.value), mmY = parseFloat(y.value);
    if (!isNaN(mmX) && !isNaN(mmY)) {
      box.style.left = (clamp(mmX, 0, width) / width * 100) + "%"; box.style.top = (clamp(mmY, 0, height) / height * 100) + "%";
    }
  }
  x.addEventListener("input", typed); y.addEventListener("input", typed);
})();

// The signature pad: strokes drawn with a finger, pen or mouse on a
// transparent canvas; on saving, the drawing goes as a PNG in the hidden
// field (an uploaded file, if chosen, is taken instead).
(function () {
  "use strict";
  var pad = document.querySelector("canvas[data-signature-pad]");
  if (!pad) return;
  var form = pad.closest("form"), drawn = document.getElementById("signature-drawn");
  var clear = document.getElementById("signature-clear");
  var ink = pad.getContext("2d"), last = null, strokes = 0;
  pad.style.touchAction = "none";
  ink.lineWidth = 4; ink.lineCap = "round"; ink.lineJoin = "round"; ink.strokeStyle = "#10206b";
  function at(event) {
    // Inside the border: the drawing surface is the client box.
    var r = pad.getBoundingClientRect();
    return {
      x: (event.clientX - r.left - pad.clientLeft) / pad.clientWidth * pad.width,
      y: (event.clientY - r.top - pad.clientTop) / pad.clientHeight * pad.height
    };
  }
  pad.addEventListener("pointerdown", function (event) {
    last = at(event); strokes += 1;
    ink.beginPath(); ink.arc(last.x, last.y, ink.lineWidth / 2, 0, 2 * Math.PI); ink.fillStyle = ink.strokeStyle; ink.fill();
    try { pad.setPointerCapture(event.pointerId); } catch (e) { /* a synthetic pointer */ }
    event.preventDefault();
  });
  pad.addEventListener("pointermove", function (event) {
    if (!last) return;
    var p = at(event);
    ink.beginPath(); ink.moveTo(last.x, last.y); ink.lineTo(p.x, p.y); ink.stroke();
    last = p; event.preventDefault();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
    pad.addEventListener(name, function () { last = null; });
  });
  clear.addEventListener("click", function () { ink.clearRect(0, 0, pad.width, pad.height); strokes = 0; drawn.value = ""; });
  form.addEventListener("submit", function () {
    drawn.value = strokes > 0 ? pad.toDataURL("image/png") : "";
  });
})();

// A letter's rank shows the salutation and closing the regulation's table
// gives for it at once (the server prints them either way).
(function () {
  "use strict";
  var rank = document.querySelector("select[data-forms]");
  if (!rank) return;
  rank.addEventListener("change", function () {
    var chosen = rank.options[rank.selectedIndex];
    [["salutation", chosen.dataset.salutation], ["sign-off", chosen.dataset.signOff]].forEach(function (pair) {
      var input = document.getElementById(pair[0]), shown = document.getElementById(pair[0] + "-table");
      if (input) input.placeholder = pair[1];
      if (shown) shown.textContent = pair[1];
    });
  });
})();
