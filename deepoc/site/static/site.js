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

  // ---- the filters: one fieldset of checkboxes per facet ----
  // Values within a facet combine with OR, facets with AND. Every count is the number of
  // modules the list would show with that value chosen in its facet (alone), keeping the
  // query and the other facets' choices: the count of a value not chosen yet is what the
  // list grows or shrinks to when it is ticked.
  var q = document.getElementById("q");
  var KINDS = [], groups = {}, listed = {};
  Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-facet]"), function (fs) {
    var k = fs.getAttribute("data-facet");
    KINDS.push(k);
    groups[k] = fs;
    listed[k] = {};
    boxes(k).forEach(function (b) { listed[k][b.value] = true; });
  });
  var FLAGS = { type: 1, image: 1 };  // every value of these is listed: nothing else is valid
  var PAGES = { library: 1, task: 1, category: 1, "data-type": 1, tag: 1 };  // card chip links
  var SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;  // what deep-oc's slugify makes, nothing else
  function boxes(k) {
    return Array.prototype.slice.call(groups[k].querySelectorAll("input[type=checkbox]"));
  }
  function has(o, key) { return Object.prototype.hasOwnProperty.call(o, key); }
  // The file holding a value's postings: the home page's values are all in f/home.js (one
  // request gives every count); any other value is in its kind's file for the first two
  // letters of its slug, loaded only when that value is chosen (from a link or the URL).
  function facetFile(k, v) { return has(listed[k], v) ? "home" : k + "-" + v.slice(0, 2); }
  // A value from the URL is kept only if it has the shape of a slug, and for type and image
  // only if the page offers it; load() then refuses any file meta.js does not name.
  function knownValue(k, v) {
    return !!v && SLUG.test(v) && (!has(FLAGS, k) || has(listed[k], v));
  }
  var postingsCache = {};
  function postingsOf(k, v) {
    var name = k + "-" + v;
    if (has(postingsCache, name)) { return Promise.resolve(postingsCache[name]); }
    return load("facet", facetFile(k, v)).then(function (d) {
      var e = d && has(d, name) ? d[name] : null;
      postingsCache[name] = e ? { label: String(e[0]), ids: undelta(e[1]) } : null;
      return postingsCache[name];
    });
  }

  // ---- state in the URL hash: #q=...&library=pytorch&library=keras&task=...&p=2 ----
  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    var st = { q: params.get("q") || "", p: Math.max(1, parseInt(params.get("p") || "1", 10) || 1), sel: {} };
    KINDS.forEach(function (k) {
      var vs = params.getAll(k);
      if (k === "tag") { vs = vs.concat(params.getAll("kw")); }  // links made before tags
      st.sel[k] = vs.filter(function (v, i) { return knownValue(k, v) && vs.indexOf(v) === i; }).slice(0, 50);
    });
    return st;
  }
  function fromControls() {
    var st = { q: q.value, p: 1, sel: {} };
    KINDS.forEach(function (k) {
      st.sel[k] = boxes(k).filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    });
    return st;
  }
  function toHash(st) {
    var params = new URLSearchParams();
    if (st.q) { params.set("q", st.q); }
    KINDS.forEach(function (k) { st.sel[k].forEach(function (v) { params.append(k, v); }); });
    if (st.p > 1) { params.set("p", String(st.p)); }
    var s = params.toString();
    return s ? "#" + s : "";
  }
  function setControls(st) {
    q.value = st.q;
    KINDS.forEach(function (k) {
      boxes(k).forEach(function (b) { b.checked = st.sel[k].indexOf(b.value) >= 0; });
    });
  }
  // A chosen value the fieldset does not list gets a checkbox of its own, labelled from
  // the index (textContent: the label is the module authors' text).
  function addBox(k, v, label, total) {
    var li = el("li", "added");
    var lab = el("label");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = k;
    box.value = v;
    lab.appendChild(box);
    lab.appendChild(document.createTextNode(" "));
    lab.appendChild(el("span", "v", label));
    lab.appendChild(document.createTextNode(" "));
    var n = el("span", "n", String(total));
    n.setAttribute("data-n", String(total));
    lab.appendChild(n);
    li.appendChild(lab);
    groups[k].querySelector("ul").appendChild(li);
    return box;
  }
  function showCounts(counts) {
    KINDS.forEach(function (k) {
      boxes(k).forEach(function (b) {
        var n = b.parentNode.querySelector(".n");
        var c = counts ? counts[k][b.value] : Number(n.getAttribute("data-n"));
        n.textContent = String(c);
        b.parentNode.parentNode.classList.toggle("zero", c === 0);
      });
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
    // d = [slug, title, summary, [[label, kind, slug]], flags, status, created, license, build]
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
    var chips = d[3].filter(function (c) { return has(PAGES, c[1]) && SLUG.test(c[2]); });
    if (chips.length) {
      var ul = el("ul", "kw");
      ul.setAttribute("aria-label", "Libraries, tasks and tags");
      chips.forEach(function (c) {
        var kl = el("li", "c-" + c[1]);
        var ka = el("a", null, c[0]);
        ka.href = root + c[1] + "/" + c[2] + ".html";
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

  function union(lists) {
    var set = new Set();
    lists.forEach(function (l) { l.forEach(function (i) { set.add(i); }); });
    return Array.from(set);
  }
  function countIn(base, ids) {  // |base ∩ ids|, base a Set (null: every module)
    if (base === null) { return ids.length; }
    var c = 0;
    for (var i = 0; i < ids.length; i++) { if (base.has(ids[i])) { c++; } }
    return c;
  }

  var seq = 0;
  function run(st) {
    var my = ++seq;
    var ws = words(st.q);
    var active = KINDS.filter(function (k) { return st.sel[k].length; });
    if (!ws.length && !active.length) {
      results.hidden = true;
      listing.hidden = false;
      showCounts(null);
      statusEl.textContent = st.q.trim() ? "Type at least two letters to search." : "";
      return Promise.resolve();
    }
    statusEl.textContent = "Searching…";
    return load("meta", "meta").then(function (meta) {
      var query = ws.length ? Promise.all(ws.map(function (w) { return termIds(meta, w); }))
        .then(function (sets) { var ids = null; sets.forEach(function (s) { ids = intersect(ids, s); }); return ids; })
        : Promise.resolve(null);
      var chosen = [];
      active.forEach(function (k) {
        st.sel[k].forEach(function (v) { chosen.push(postingsOf(k, v).then(function (e) { return [k, v, e]; })); });
      });
      var shown = [];  // every listed value, for its count
      KINDS.forEach(function (k) { boxes(k).forEach(function (b) { shown.push(postingsOf(k, b.value)); }); });
      return Promise.all([query, Promise.all(chosen), Promise.all(shown)]).then(function (all) {
        if (my !== seq) { return; }
        var qIds = all[0], dropped = false, per = {};
        all[1].forEach(function (c) {
          var k = c[0], v = c[1], e = c[2];
          if (!e) { st.sel[k] = st.sel[k].filter(function (x) { return x !== v; }); dropped = true; return; }
          if (!boxes(k).some(function (b) { return b.value === v; })) { addBox(k, v, e.label, e.ids.length); }
          (per[k] = per[k] || []).push(e.ids);
        });
        if (dropped) {  // a value no module has (an old link): forget it, in the URL too
          history.replaceState(null, "", toHash(st) || location.pathname + location.search);
          setControls(st);
          if (!ws.length && !Object.keys(per).length) { return run(st); }
        }
        var chosenSets = {};
        Object.keys(per).forEach(function (k) { chosenSets[k] = new Set(union(per[k])); });
        var qSet = qIds === null ? null : new Set(qIds);
        function matching(skip) {  // modules of the query and every chosen facet but skip
          var base = qSet;
          Object.keys(chosenSets).forEach(function (k) {
            if (k === skip) { return; }
            var s = chosenSets[k];
            if (base === null) { base = s; return; }
            var next = new Set();
            base.forEach(function (i) { if (s.has(i)) { next.add(i); } });
            base = next;
          });
          return base;
        }
        var counts = {};
        KINDS.forEach(function (k) {
          var base = matching(k);
          counts[k] = {};
          boxes(k).forEach(function (b) {
            var e = postingsCache[k + "-" + b.value];
            counts[k][b.value] = e ? countIn(base, e.ids) : 0;
          });
        });
        setControls(st);
        var hits = matching(null);
        var ids = Array.from(hits || []).sort(function (x, y) { return x - y; });
        var pages = Math.max(1, Math.ceil(ids.length / meta.page));
        if (st.p > pages) { st.p = pages; }
        var page = ids.slice((st.p - 1) * meta.page, st.p * meta.page);
        var chunks = Array.from(new Set(page.map(function (i) { return Math.floor(i / meta.chunk); })));
        return Promise.all(chunks.map(function (c) { return load("docs", String(c)); })).then(function () {
          if (my !== seq) { return; }
          list.textContent = "";
          page.forEach(function (i) {
            var chunk = store.docs[String(Math.floor(i / meta.chunk))];
            if (chunk) { list.appendChild(card(chunk[i % meta.chunk])); }
          });
          showCounts(counts);
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
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 120); });
  form.addEventListener("change", function (e) { if (e.target.type === "checkbox") { update(); } });
  form.addEventListener("reset", function () { setTimeout(update, 0); });
  window.addEventListener("hashchange", function () { var st = readHash(); setControls(st); run(st); });
  var initial = readHash();
  // On a narrow screen the filters start folded (unless the URL chose some), so the list
  // comes first.
  var filters = form.querySelector("details.filters");
  if (filters && window.matchMedia && window.matchMedia("(max-width: 56rem)").matches &&
      !KINDS.some(function (k) { return initial.sel[k].length; })) {
    filters.open = false;
  }
  setControls(initial);
  run(initial);
}());
