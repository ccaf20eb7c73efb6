/* privacy-toolkit consent banner. One tag: <script src=".../consent.js" data-site="KEY" async></script>
   Asks only where the law requires, honours Global Privacy Control, runs
   <script type="text/plain" data-category="..."> only once its category is granted. No dependency,
   no request to anyone but the service that served this file. */
(function () {
  "use strict";
  var me = document.currentScript, site = me && me.getAttribute("data-site");
  if (!site) return;
  // A signed-in user's identity assertion, rendered into the tag by the site's own application:
  // their choice follows them from their other devices.
  var identity = me.getAttribute("data-identity");
  var api = new URL(me.src).origin, COOKIE = "privacy_consent_" + site, listeners = [], decision = null,
    granted = {}, ran = {}, opener = null, root = null;
  var w = window, d = document;

  // Google Consent Mode v2: everything denied until a decision says otherwise; then each signal
  // follows the category the set-up declares grants it.
  var SIGNALS = ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage", "functionality_storage",
    "personalization_storage", "security_storage"];
  w.dataLayer = w.dataLayer || [];
  function gtag() { w.dataLayer.push(arguments); }
  gtag("consent", "default", modeOf({}, { wait_for_update: 500 }));

  function readCookie(name) {
    var m = d.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function writeReceipt(receipt, until) {
    d.cookie = COOKIE + "=" + encodeURIComponent(receipt) + "; expires=" + new Date(until).toUTCString() +
      "; path=/; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  }
  function el(tag, attrs, text) {
    var e = d.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }

  function apply(consent) {
    var before = granted;
    granted = consent;
    gtag("consent", "update", decision.consent_mode = modeOf(consent));
    for (var key in before) if (before[key] && !consent[key]) forget(key);
    // A cached answer can arrive before the page is parsed: gated tags are looked for once it is.
    whenParsed(function () {
      var gated = d.querySelectorAll('script[type="text/plain"][data-category]');
      for (var i = 0; i < gated.length; i++) if (granted[gated[i].getAttribute("data-category")]) run(gated[i]);
    });
    listeners.forEach(function (fn) { try { fn(consent); } catch (e) { /* a listener's fault stays its own */ } });
  }
  function whenParsed(fn) {
    if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", fn); else fn();
  }
  function modeOf(c, m) {
    m = m || {};
    SIGNALS.forEach(function (s) { m[s] = decision && c[decision.signals[s]] ? "granted" : "denied"; });
    return m;
  }
  // What the visitor's place decides whatever was chosen: exempt measurement runs, and in opt-out
  // regimes the privacy signal keeps off what it opts out of.
  function bind(consent) {
    (decision.exempt || []).forEach(function (k) { consent[k] = true; });
    if (decision.gpc && decision.jurisdiction.regime === "opt_out")
      decision.gpc_opt_out.forEach(function (k) { consent[k] = false; });
    return consent;
  }
  function run(tag) {
    if (ran[tag.id || tag.src || tag.textContent]) return;
    ran[tag.id || tag.src || tag.textContent] = 1;
    var s = d.createElement("script");
    for (var i = 0; i < tag.attributes.length; i++) {
      var a = tag.attributes[i];
      if (a.name !== "type") s.setAttribute(a.name, a.value);
    }
    if (!tag.src) s.textContent = tag.textContent;
    tag.parentNode.replaceChild(s, tag);
  }
  function forget(category) {  // withdrawal: delete the category's cookies here and on parent domains
    var c = (decision.texts.categories.filter(function (x) { return x.key === category; })[0] || {}).services || [];
    var names = d.cookie.split("; ").map(function (p) { return p.split("=")[0]; });
    c.forEach(function (svc) {
      svc.cookies.forEach(function (ck) {
        names.forEach(function (n) {
          if (ck.pattern ? new RegExp(ck.name).test(n) : n === ck.name) expire(n);
        });
      });
    });
  }
  function expire(name) {
    var parts = location.hostname.split("."), past = "=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/";
    d.cookie = name + past;
    for (var i = 0; i < parts.length - 1; i++) d.cookie = name + past + "; domain=." + parts.slice(i).join(".");
  }

  function choose(action, choices) {
    var cats = decision.texts.categories, consent = {};
    cats.forEach(function (c) {
      consent[c.key] = c.key === "necessary" || action === "accept_all" || (action === "custom" && !!choices[c.key]);
    });
    var chosen = Object.keys(consent).filter(function (k) { return consent[k]; }).join(",");
    close();
    apply(bind(consent));
    // Until the signed receipt arrives, the choice stands from this cookie: a visitor who leaves the
    // page at once must not find an older receipt granting what they just refused.
    expire(COOKIE);
    d.cookie = COOKIE + "_pending=" + encodeURIComponent(decision.policy_version + "|" + chosen) +
      "; max-age=86400; path=/; SameSite=Lax";
    var body = { site: site, policy_version: decision.policy_version, action: action, choices: choices || {},
      ui: action === "custom" ? "preferences" : "banner" };
    var previous = readCookie(COOKIE + "_id");
    if (previous) body.consent_id = previous;
    if (identity) body.identity = identity;
    post("records", body)
      .then(function (rec) {
        if (!rec) return;
        keep(rec);
        expire(COOKIE + "_pending");
      })["catch"](function () { /* the choice applies on this page even if it could not be stored */ });
  }

  function keep(rec) {
    // Served from the site's own origin, the service sets these cookies itself (Set-Cookie), which
    // browsers keep for the receipt's lifetime; a script-set cookie may be capped at 7 days.
    if (api !== location.origin) {
      writeReceipt(rec.receipt, rec.valid_until);
      d.cookie = COOKIE + "_id=" + rec.consent_id + "; expires=" + new Date(rec.valid_until).toUTCString() +
        "; path=/; SameSite=Lax";
    }
    return rec.receipt;
  }
  function post(path, body) {
    return fetch(api + "/api/v1/consent/" + path + "?site=" + encodeURIComponent(site), { method: "POST",
      keepalive: true, headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  function close() {
    if (root) { root.remove(); root = null; }
    if (opener && opener.focus) opener.focus();
  }
  function button(label, onClick) {
    var b = el("button", { type: "button", "class": "pc-btn" }, label);
    b.addEventListener("click", onClick);
    return b;
  }
  function dialog(labelId) {
    close();
    opener = d.activeElement;
    root = el("div", { "class": "pc-root", role: "dialog", "aria-modal": "true", "aria-labelledby": labelId });
    root.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { close(); return; }
      if (e.key !== "Tab") return;
      var f = root.querySelectorAll("button, input:not([disabled]), a[href]"), first = f[0], last = f[f.length - 1];
      if (e.shiftKey && d.activeElement === first) { last.focus(); e.preventDefault(); }
      else if (!e.shiftKey && d.activeElement === last) { first.focus(); e.preventDefault(); }
    });
    return root;
  }
  function show() {
    if (!decision) return;
    var t = decision.texts, box = dialog("pc-title");
    box.setAttribute("lang", t.language);
    box.appendChild(el("h2", { id: "pc-title" }, t.title));
    box.appendChild(el("p", {}, t.body));
    var row = el("div", { "class": "pc-row" });
    row.appendChild(button(t.accept_all, function () { choose("accept_all"); }));
    row.appendChild(button(t.reject_all, function () { choose("reject_all"); }));
    row.appendChild(button(t.customise, preferences));
    box.appendChild(row);
    d.body.appendChild(box);
    box.querySelector("button").focus();
  }
  function preferences() {
    var t = decision.texts, box = dialog("pc-prefs"), form = el("form", {});
    box.setAttribute("lang", t.language);
    box.appendChild(el("h2", { id: "pc-prefs" }, t.customise));
    t.categories.forEach(function (c) {
      var f = el("fieldset", {}), id = "pc-" + c.key;
      // Exempt measurement runs here without consent: shown on, as needing none, and not asked.
      var exempt = decision.exempt.indexOf(c.key) >= 0, fixed = exempt || c.key === "necessary";
      var box2 = el("input", { type: "checkbox", id: id, name: c.key });
      box2.checked = fixed || !!granted[c.key];
      box2.disabled = fixed;
      var label = el("label", { "for": id }, c.label);
      f.appendChild(box2); f.appendChild(label);
      if (exempt) f.appendChild(el("p", {}, t.exempt));
      if (c.description) f.appendChild(el("p", {}, c.description));
      if (c.services.length) {
        var ul = el("ul", {});
        c.services.forEach(function (s) {
          ul.appendChild(el("li", {}, s.vendor + ": " + s.purpose + (s.cookies.length ? " (" +
            s.cookies.map(function (k) { return k.name + ", " + k.duration; }).join("; ") + ")" : "")));
        });
        f.appendChild(ul);
      }
      form.appendChild(f);
    });
    form.appendChild(button(t.save, function () {
      var choices = {};
      t.categories.forEach(function (c) {
        var b = form.querySelector("#pc-" + c.key);
        if (!b.disabled) choices[c.key] = b.checked;
      });
      choose("custom", choices);
    }));
    box.appendChild(form);
    d.body.appendChild(box);
    box.querySelector("input:not([disabled]), button").focus();
  }

  w.privacyConsent = {
    show: function () {
      if (decision && decision.texts) preferences();
      else if (decision) ask(receipt).then(function (answer) { decision = answer; preferences(); })["catch"](function () {});
    },
    get: function () { return Object.assign({}, granted); },
    on: function (event, fn) { if (event === "change") listeners.push(fn); }
  };
  d.addEventListener("click", function (e) {
    var target = e.target.closest && e.target.closest("[data-privacy-choices]");
    if (target) { e.preventDefault(); w.privacyConsent.show(); }
  });

  var query = "?site=" + encodeURIComponent(site) + "&lang=" + encodeURIComponent((d.documentElement.lang || "").slice(0, 2));
  var styled = false, receipt = readCookie(COOKIE);
  function styles() {
    if (!styled) d.head.appendChild(el("link", { rel: "stylesheet", href: api + "/consent.css" }));
    styled = true;
  }
  function getJSON(url) {
    return fetch(url, { credentials: "omit" }).then(function (r) { if (!r.ok) throw r; return r.json(); });
  }
  function ask(r) {
    styles();
    return getJSON(api + "/api/v1/consent/decision" + query + (r ? "&receipt=" + encodeURIComponent(r) : ""));
  }
  function claimsOf(r) {
    try {
      var c = JSON.parse(atob(r.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return c && c.exp * 1000 > Date.now() && Array.isArray(c.granted) ? c : null;
    } catch (e) { return null; }
  }
  // A standing choice applies without a decision: its receipt is for this site, within its lifetime,
  // and names the policy version and text the cached site document names. The service checks the
  // signature whenever the receipt is sent. The service still decides what the visitor's place may
  // override: with a privacy signal, a receipt granting what the signal opts out of; and a receipt
  // made where exempt measurement runs without consent that leaves it off. (A document kept from
  // before categories declared their signals is not enough either.)
  function standing(r) {
    var c = r && claimsOf(r);
    if (!c || c.site !== site) return Promise.resolve(false);
    return getJSON(api + "/api/v1/consent/site?site=" + encodeURIComponent(site)).then(function (doc) {
      function has(k) { return c.granted.indexOf(k) >= 0; }
      if (doc.policy_version !== c.pv || doc.text_hash !== c.th || !doc.signals ||
          (navigator.globalPrivacyControl === true && doc.gpc_opt_out.some(has)) ||
          (doc.exempt_in.indexOf((c.jur || {}).country) >= 0 && !doc.exempt.every(has))) return false;
      decision = { policy_version: c.pv, consent: {}, signals: doc.signals };
      doc.categories.forEach(function (k) { decision.consent[k] = k === "necessary" || has(k); });
      apply(decision.consent);
      return true;
    }, function () { return false; });
  }
  function decide(answer) {
    decision = answer;
    var pending = (readCookie(COOKIE + "_pending") || "").split("|");
    if (!receipt && pending[0] === answer.policy_version) {
      answer.show_banner = false;
      var chosen = pending[1].split(",");
      for (var key in answer.consent) answer.consent[key] = key === "necessary" || chosen.indexOf(key) >= 0;
      bind(answer.consent);
    }
    apply(answer.consent);
    if (answer.show_banner) whenParsed(show);
  }
  (receipt || !identity ? Promise.resolve(receipt) : post("identity", { site: site, identity: identity })
    .then(function (rec) { return rec && (receipt = keep(rec)); }, function () { return null; }))
    .then(function (r) { return standing(r).then(function (done) { return done || ask(r).then(decide); }); })
    ["catch"](function () { /* service unreachable: nothing optional runs, nothing breaks */ });
})();
