/* The take page of a quiz attempt: autosave of every change (retried until
   the server has it), the countdown to the server's deadline, the question
   nav, the confirmation before submitting, and integrity events (page hidden,
   window left, paste). No answer key ever reaches this page. */
(function () {
  "use strict";

  var root = document.querySelector("[data-attempt]");
  if (!root) return;
  var form = root.querySelector("[data-submit-form]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var statusEl = root.querySelector("[data-save-status]");
  var msg = root.dataset;

  var pending = {};   // question key -> latest payload not yet saved
  var inFlight = {};  // question key -> true while a request runs
  var lastSeq = 0;
  var retryTimer = null;
  var retryDelay = 1000;
  var ended = false;
  var submitting = false;

  function post(url, payload, keepalive) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": csrf,
        "X-Requested-With": "fetch"
      },
      body: JSON.stringify(payload)
    });
  }

  function setStatus(state, text) {
    statusEl.textContent = text;
    statusEl.dataset.state = state;
  }

  function pendingCount() {
    return Object.keys(pending).length;
  }

  function selectionOf(fieldset) {
    var ids = [];
    fieldset.querySelectorAll("input:checked").forEach(function (input) {
      ids.push(parseInt(input.value, 10));
    });
    return ids;
  }

  function markNav(fieldset) {
    var nav = root.querySelector('[data-nav="' + fieldset.dataset.question + '"]');
    if (nav) nav.classList.toggle("is-answered", selectionOf(fieldset).length > 0);
  }

  function queue(fieldset) {
    // Changes are numbered by this browser's clock, so that a retry overtaken
    // by a newer change (or another tab) never overwrites it on the server.
    lastSeq = Math.max(Date.now(), lastSeq + 1);
    pending[fieldset.dataset.question] = {
      question: fieldset.dataset.question,
      choices: selectionOf(fieldset),
      seq: lastSeq
    };
    markNav(fieldset);
    flush();
  }

  function scheduleRetry() {
    if (retryTimer || ended) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      flush();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }

  function finishOne(key, payload) {
    if (pending[key] && pending[key].seq === payload.seq) delete pending[key];
  }

  function sendOne(key) {
    var payload = pending[key];
    inFlight[key] = true;
    return post(msg.saveUrl, payload)
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          return { status: response.status, body: body };
        });
      })
      .then(function (result) {
        inFlight[key] = false;
        if (result.status === 200 && result.body.ok) {
          finishOne(key, payload);
          retryDelay = 1000;
          return "ok";
        }
        if (result.status === 409) {
          // The attempt has ended: nothing more can be saved.
          ended = true;
          setStatus("refused", msg.msgRefused + " — " + (result.body.message || ""));
          if (!submitting) window.location.assign(result.body.result_url || msg.resultUrl);
          return "ended";
        }
        if (result.status === 400 || result.status === 403 || result.status === 404) {
          finishOne(key, payload);
          setStatus("refused", msg.msgRefused + " — " + (result.body.message || ""));
          return "refused";
        }
        return "retry";  // 503 or another server error
      })
      .catch(function () {
        inFlight[key] = false;
        return "retry";  // the network failed
      });
  }

  function flush() {
    if (ended) return Promise.resolve();
    var keys = Object.keys(pending).filter(function (key) { return !inFlight[key]; });
    if (!keys.length) {
      if (!pendingCount()) setStatus("saved", msg.msgSaved);
      return Promise.resolve();
    }
    setStatus("saving", msg.msgSaving);
    return Promise.all(keys.map(sendOne)).then(function (results) {
      if (results.indexOf("retry") !== -1) {
        setStatus("failed", msg.msgFailed);
        scheduleRetry();
      } else if (results.indexOf("refused") === -1 && results.indexOf("ended") === -1) {
        if (pendingCount()) return flush();
        setStatus("saved", msg.msgSaved);
      }
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("[data-question]");
    if (fieldset) queue(fieldset);
  });

  root.querySelectorAll("[data-clear]").forEach(function (button) {
    button.addEventListener("click", function () {
      var fieldset = button.closest("[data-question]");
      fieldset.querySelectorAll("input:checked").forEach(function (input) {
        input.checked = false;
      });
      queue(fieldset);
    });
  });

  window.addEventListener("online", flush);
  window.addEventListener("beforeunload", function (event) {
    if (pendingCount() && !ended && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // --- submitting ------------------------------------------------------------

  var dialog = root.querySelector("[data-confirm]");

  function unansweredNumbers() {
    var numbers = [];
    form.querySelectorAll("[data-question]").forEach(function (fieldset) {
      if (!selectionOf(fieldset).length) numbers.push(fieldset.dataset.number);
    });
    return numbers;
  }

  function submitNow() {
    submitting = true;
    // Give the last saves a moment; the server grades what it has.
    var wait = new Promise(function (resolve) { setTimeout(resolve, 4000); });
    Promise.race([flush(), wait]).then(function () { form.submit(); });
  }

  form.addEventListener("submit", function (event) {
    if (submitting) return;
    event.preventDefault();
    var missing = unansweredNumbers();
    dialog.querySelector("[data-confirm-all]").hidden = missing.length > 0;
    dialog.querySelector("[data-confirm-some]").hidden = missing.length === 0;
    dialog.querySelector("[data-unanswered]").textContent = missing.join("、");
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else if (window.confirm(dialog.textContent.trim())) {
      submitNow();
    }
  });
  dialog.querySelector("[data-confirm-cancel]").addEventListener("click", function () {
    dialog.close();
  });
  dialog.querySelector("[data-confirm-ok]").addEventListener("click", function () {
    dialog.close();
    submitNow();
  });

  // --- countdown ---------------------------------------------------------------

  var countdown = root.querySelector("[data-countdown]");
  if (countdown && msg.deadline) {
    // The server's clock decides; correct this device's clock by the offset
    // seen when the page was served.
    var offset = Date.parse(msg.serverNow) - Date.now();
    var deadline = Date.parse(msg.deadline);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var left = Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      countdown.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
      countdown.classList.toggle("is-urgent", left <= 60);
      if (left === 0 && !submitting) {
        setStatus("saving", msg.msgTimeUp);
        submitNow();
      }
    };
    tick();
    setInterval(tick, 1000);
  }

  // --- integrity events ---------------------------------------------------------

  function report(kind, detail) {
    if (ended || submitting) return;
    post(msg.eventUrl, { kind: kind, detail: detail || "" }, true).catch(function () {});
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") report("page_hidden");
  });
  window.addEventListener("blur", function () { report("window_blur"); });
  form.addEventListener("paste", function (event) {
    var text = (event.clipboardData && event.clipboardData.getData("text")) || "";
    report("paste", text.length + " chars");
  });
})();
