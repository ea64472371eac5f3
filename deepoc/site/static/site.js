/* deep-oc marketplace: copy buttons, search and filters.
   The index is sharded into small JS files (search/) loaded with <script> tags, so search
   works from file:// as well as from any static host, and a query only loads the shards
   it needs. Every text from the catalog is inserted with textContent, never as HTML. */
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";

  // ---- copy buttons (shown only when JS runs) ----
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var el = document.getElementById(b.getAttribute("data-copy"));
      if (!el) { return; }
      var text = el.textContent;
      var done = function () {
        b.textContent = "Copied";
        setTimeout(function () { b.textContent = "Copy"; }, 1500);
      };
      var fallback = function () {
        var r = document.createRange();
        r.selectNodeContents(el);
        var s = window.getSelection();
        s.removeAllRanges();
        s.addRange(r);
        try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected */ }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  });

  var form = document.getElementById("search");
  if (!form) { return; }

  // ---- index loading ----
  var store = { meta: {}, terms: {}, facet: {}, docs: {} };
  window.DeepOC = {
    meta: function (k, d) { store.meta[k] = d; },
    terms: function (k, d) { store.terms[k] = d; },
    facet: function (k, d) { store.facet[k] = d; },
    docs: function (k, d) { store.docs[k] = d; }
  };
  var folders = { terms: "t/", facet: "f/", docs: "d/" };
  var pending = {};
  // Only files the index names are ever loaded (meta.js lists the term shards and facet
  // files; doc chunks are numbers below n / chunk): a key from the URL fragment can never
  // become a path of its own (#type=/../../evil would otherwise load /evil.js).
  function known(kind, key) {
    var meta = store.meta.meta;
    if (kind === "meta") { return key === "meta"; }
    if (!meta || typeof key !== "string") { return false; }
    if (kind === "terms") { return (meta.shards || []).indexOf(key) >= 0; }
    if (kind === "facet") { return (meta.facets || []).indexOf(key) >= 0; }
    if (kind === "docs") {
      return /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < Math.ceil(meta.n / meta.chunk);
    }
    return false;
  }
  function load(kind, key) {
    if (!known(kind, key)) { return Promise.resolve(null); }
    var path = root + "search/" + (kind === "meta" ? "meta.js" : folders[kind] + key + ".js");
    if (!pending[path]) {
      pending[path] = new Promise(function (resolve) {
        var s = document.createElement("script");
        s.src = path;
        s.async = true;
        s.onload = function () { resolve(store[kind][key] || null); };
        s.onerror = function () { resolve(null); };
        document.head.appendChild(s);
      });
    }
    return pending[path];
  }
  // Postings: a list of gaps between module numbers, or (for terms most modules share)
  // a base64 bitmap with bit k of byte j standing for module j * 8 + k.
  function undelta(list) {
    var out = [], last = 0;
    if (typeof list === "string") {
      var bin = atob(list);
      for (var j = 0; j < bin.length; j++) {
        var c = bin.charCodeAt(j);
        for (var k = 0; c && k < 8; k++) { if (c & (1 << k)) { out.push(j * 8 + k); } }
      }
      return out;
    }
    for (var i = 0; i < list.length; i++) { last += list[i]; out.push(last); }
    return out;
  }
  var STOP = {};
  ("a an and are as at be by for from has in is it its of on or that the this to was with " +
   "will can using use used via into").split(" ").forEach(function (w) { STOP[w] = 1; });
  function words(q) {
    var m = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) || [];
    return m.filter(function (w) { return w.length >= 2 && !STOP[w]; });  // as the index
  }
  function shardName(term, plen) {
    var p = Array.from(term).slice(0, plen);
    if (p.every(function (c) { return /^[a-z0-9]$/.test(c); })) { return p.join(""); }
    return "u" + p.map(function (c) { return c.codePointAt(0).toString(16); }).join("-");
  }
  function intersect(a, b) {
    if (a === null) { return b; }
    var set = new Set(b);
    return a.filter(function (x) { return set.has(x); });
  }
  function termIds(meta, word) {
    var name = shardName(word, meta.plen || 2);
    if (meta.shards.indexOf(name) < 0) { return Promise.resolve([]); }
    return load("terms", name).then(function (shard) {
      var ids = new Set();
      if (shard) {
        Object.keys(shard).forEach(function (t) {
          if (t.lastIndexOf(word, 0) === 0) { undelta(shard[t]).forEach(function (i) { ids.add(i); }); }
        });
      }
      return Array.from(ids);
    });
  }

  // ---- state in the URL hash ----
  var controls = {
    q: document.getElementById("q"),
    kw: document.getElementById("f-kw"),
    type: document.getElementById("f-type"),
    image: document.getElementById("f-image"),
    license: document.getElementById("f-license")
  };
  var facetPrefix = { kw: "kw-", type: "type-", image: "image-", license: "license-" };
  var SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;  // what deep-oc's slugify makes, nothing else
  // A facet value from the URL is kept only if it is one the page offers (a select option;
  // keywords and licenses, whose selects list only the most used: a slug, checked against
  // meta.js's facet files before anything is loaded).
  function knownFacet(k, v) {
    if (!v || !SLUG.test(v)) { return false; }
    if (k === "kw" || k === "license") { return true; }
    return Array.prototype.some.call(controls[k].options, function (o) { return o.value === v; });
  }
  function facetFile(k, v) { return k === "kw" ? "kw-" + v.slice(0, 2) : facetPrefix[k] + v; }
  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    var st = { p: Math.max(1, parseInt(params.get("p") || "1", 10) || 1) };
    Object.keys(controls).forEach(function (k) { st[k] = params.get(k) || ""; });
    Object.keys(facetPrefix).forEach(function (k) { if (!knownFacet(k, st[k])) { st[k] = ""; } });
    return st;
  }
  function fromControls() {
    var st = { p: 1 };
    Object.keys(controls).forEach(function (k) { st[k] = controls[k].value; });
    st.q = controls.q.value;
    return st;
  }
  function toHash(st) {
    var params = new URLSearchParams();
    Object.keys(controls).forEach(function (k) { if (st[k]) { params.set(k, st[k]); } });
    if (st.p > 1) { params.set("p", String(st.p)); }
    var s = params.toString();
    return s ? "#" + s : "";
  }
  function setControls(st) {
    Object.keys(controls).forEach(function (k) {
      var c = controls[k];
      if (c.tagName === "SELECT" && knownFacet(k, st[k]) && !c.querySelector("option[value='" + CSS.escape(st[k]) + "']")) {
        var o = document.createElement("option");
        o.value = st[k];
        o.textContent = st[k];
        c.appendChild(o);
      }
      c.value = st[k];
    });
  }

  // ---- rendering ----
  var listing = document.getElementById("listing");
  var results = document.getElementById("results");
  var list = document.getElementById("result-list");
  var pager = document.getElementById("result-pager");
  var statusEl = document.getElementById("status");
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function badge(cls, text) { return el("span", "badge " + cls, text); }
  function card(d) {
    // d = [slug, title, summary, [[kw, kwslug]], flags, status, created, license, build]
    var li = el("li", "card" + (d[5] !== "ok" ? " card-problem" : ""));
    var h = el("h2");
    var a = el("a", null, d[1]);
    a.href = root + "modules/" + encodeURIComponent(d[0]) + ".html";
    h.appendChild(a);
    li.appendChild(h);
    if (d[2]) { li.appendChild(el("p", "summary", d[2])); }
    var b = el("p", "badges");
    var f = d[4];
    if (f & 1) { b.appendChild(badge("b-train", "trainable")); }
    if (f & 2) { b.appendChild(badge("b-infer", "inference")); }
    if (f & 4) { b.appendChild(badge("b-pre", "pre-trained")); }
    b.appendChild(badge(f & 8 ? "b-ok" : "b-off", f & 8 ? "CPU image" : "CPU no image"));
    b.appendChild(badge(f & 16 ? "b-ok" : "b-off", f & 16 ? "GPU image" : "GPU no image"));
    b.appendChild(badge("b-build-" + d[8], "build: " + d[8]));
    if (d[5] !== "ok") { b.appendChild(badge("b-warn", "metadata " + d[5])); }
    li.appendChild(b);
    if (d[3].length) {
      var ul = el("ul", "kw");
      d[3].forEach(function (k) {
        var kl = el("li");
        var ka = el("a", null, k[0]);
        ka.href = root + "keywords/" + encodeURIComponent(k[1]) + ".html";
        kl.appendChild(ka);
        ul.appendChild(kl);
      });
      li.appendChild(ul);
    }
    li.appendChild(el("p", "meta", "Added " + (d[6] || "unknown") + " · License: " + d[7]));
    return li;
  }
  function pageLink(st, n, text, current) {
    if (current) { var s = el("span", null, text); s.setAttribute("aria-current", "page"); return s; }
    var a = el("a", null, text);
    var copy = Object.assign({}, st, { p: n });
    a.href = toHash(copy) || "#";
    return a;
  }
  function renderPager(st, pages) {
    pager.textContent = "";
    if (pages <= 1) { return; }
    var p = st.p;
    if (p > 1) { pager.appendChild(pageLink(st, 1, "« First")); pager.appendChild(pageLink(st, p - 1, "‹ Previous")); }
    for (var n = Math.max(1, p - 2); n <= Math.min(pages, p + 2); n++) {
      pager.appendChild(pageLink(st, n, String(n), n === p));
    }
    if (p < pages) { pager.appendChild(pageLink(st, p + 1, "Next ›")); pager.appendChild(pageLink(st, pages, "Last »")); }
    pager.appendChild(el("span", "of", "page " + p + " of " + pages));
  }

  var seq = 0;
  function run(st) {
    var my = ++seq;
    var ws = words(st.q);
    var facets = Object.keys(facetPrefix).filter(function (k) { return st[k]; });
    if (!ws.length && !facets.length) {
      results.hidden = true;
      listing.hidden = false;
      statusEl.textContent = st.q.trim() ? "Type at least two letters to search." : "";
      return Promise.resolve();
    }
    statusEl.textContent = "Searching…";
    return load("meta", "meta").then(function (meta) {
      var parts = ws.map(function (w) { return termIds(meta, w); });
      facets.forEach(function (k) {
        var name = facetPrefix[k] + st[k];
        parts.push(load("facet", facetFile(k, st[k])).then(function (d) {
          return d && Object.prototype.hasOwnProperty.call(d, name) ? undelta(d[name]) : [];
        }));
      });
      return Promise.all(parts).then(function (sets) {
        var ids = null;
        sets.forEach(function (s) { ids = intersect(ids, s); });
        ids = (ids || []).slice().sort(function (x, y) { return x - y; });
        var pages = Math.max(1, Math.ceil(ids.length / meta.page));
        if (st.p > pages) { st.p = pages; }
        var shown = ids.slice((st.p - 1) * meta.page, st.p * meta.page);
        var chunks = Array.from(new Set(shown.map(function (i) { return Math.floor(i / meta.chunk); })));
        return Promise.all(chunks.map(function (c) { return load("docs", String(c)); })).then(function () {
          if (my !== seq) { return; }
          list.textContent = "";
          shown.forEach(function (i) {
            var chunk = store.docs[String(Math.floor(i / meta.chunk))];
            if (chunk) { list.appendChild(card(chunk[i % meta.chunk])); }
          });
          statusEl.textContent = ids.length === 0 ? "No module matches." :
            ids.length + " module" + (ids.length === 1 ? " matches" : "s match") + ", newest first.";
          renderPager(st, pages);
          listing.hidden = true;
          results.hidden = false;
        });
      });
    });
  }

  var timer = null;
  function update() {
    var st = fromControls();
    var h = toHash(st);
    if (h !== location.hash) { history.replaceState(null, "", h || location.pathname + location.search); }
    run(st);
  }
  form.hidden = false;
  form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
  controls.q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 120); });
  ["kw", "type", "image", "license"].forEach(function (k) { controls[k].addEventListener("change", update); });
  form.addEventListener("reset", function () { setTimeout(update, 0); });
  window.addEventListener("hashchange", function () { var st = readHash(); setControls(st); run(st); });
  var initial = readHash();
  setControls(initial);
  run(initial);
}());
