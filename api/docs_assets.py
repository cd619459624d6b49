"""The browsable API documentation page: HTML, script and style, served by the app itself.

The script fetches `/api/schema/` and renders it; nothing is loaded from elsewhere, and
every text from the document is inserted with `textContent`, never as HTML.
"""

DOCS_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API documentation</title>
<link rel="stylesheet" href="/api/docs/docs.css">
<script src="/api/docs/docs.js" defer></script>
</head>
<body>
<header>
  <h1 id="title">API documentation</h1>
  <p id="description"></p>
  <p class="meta">OpenAPI document: <a href="/api/schema/">/api/schema/</a> ·
     index: <a href="/api/">/api/</a></p>
  <input id="filter" type="search" placeholder="Filter by path or summary" aria-label="Filter">
</header>
<main id="operations"><p>Loading…</p></main>
</body>
</html>
"""

DOCS_CSS = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2327; background: #f6f7f7; }
header { background: #2f6f5e; color: #fff; padding: 1.2rem 2rem; }
header a { color: #fff; }
header h1 { margin: 0 0 .4rem; font-size: 1.6rem; }
.meta { font-size: .9rem; opacity: .9; }
#filter { margin-top: .6rem; padding: .4rem .6rem; width: min(28rem, 100%); font-size: 1rem;
  border-radius: 4px; border: 0; }
main { padding: 1rem 2rem 3rem; max-width: 72rem; }
h2.tag { text-transform: capitalize; border-bottom: 2px solid #2f6f5e; padding-bottom: .2rem; }
details.op { background: #fff; border: 1px solid #dcdcde; border-radius: 6px; margin: .5rem 0; }
details.op > summary { cursor: pointer; padding: .6rem .8rem; display: flex; gap: .8rem;
  align-items: baseline; list-style: none; }
details.op[open] > summary { border-bottom: 1px solid #dcdcde; }
.method { font-weight: 700; font-family: monospace; min-width: 4.2rem; text-align: center;
  border-radius: 4px; padding: .1rem .4rem; color: #fff; text-transform: uppercase; }
.get { background: #2271b1; } .post { background: #008a20; } .put { background: #996800; }
.patch { background: #8c5a00; } .delete { background: #b32d2e; }
.path { font-family: monospace; font-weight: 600; }
.summary { color: #50575e; }
.lock { margin-left: auto; font-size: .8rem; color: #50575e; }
.body { padding: .6rem 1rem 1rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem; font-size: .92rem; }
th, td { text-align: left; border-bottom: 1px solid #eee; padding: .3rem .4rem;
  vertical-align: top; }
code, .type { font-family: monospace; }
.required { color: #b32d2e; font-size: .8rem; }
h4 { margin: .8rem 0 .2rem; }
"""

DOCS_JS = r"""
"use strict";
(function () {
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  var doc = null;

  function resolve(schema) {
    var seen = 0;
    while (schema && schema.$ref && seen++ < 20) {
      var name = schema.$ref.split("/").pop();
      schema = doc.components.schemas[name] || {};
    }
    return schema || {};
  }

  function typeOf(schema) {
    if (!schema) { return "any"; }
    if (schema.$ref) { return schema.$ref.split("/").pop(); }
    var alts = schema.anyOf || schema.oneOf;
    if (alts) { return alts.map(typeOf).join(" | "); }
    if (schema.enum) { return schema.enum.map(JSON.stringify).join(" | "); }
    if (schema.const !== undefined) { return JSON.stringify(schema.const); }
    if (schema.type === "array") { return typeOf(schema.items) + "[]"; }
    var t = schema.type || "object";
    if (schema.format) { t += " (" + schema.format + ")"; }
    return t;
  }

  function constraints(schema) {
    var out = [];
    [["minimum", "≥ "], ["maximum", "≤ "], ["minLength", "min length "],
     ["maxLength", "max length "], ["minItems", "min items "], ["maxItems", "max items "],
     ["pattern", "pattern "], ["default", "default "]].forEach(function (pair) {
      if (schema[pair[0]] !== undefined) { out.push(pair[1] + JSON.stringify(schema[pair[0]])); }
    });
    var nested = (schema.items ? [schema.items] : []).concat(schema.anyOf || []);
    nested.forEach(function (inner) {
      var text = constraints(resolve(inner));
      if (text) { out.push(text); }
    });
    return out.join(", ");
  }

  function fieldsTable(schema) {
    schema = resolve(schema);
    var props = schema.properties;
    if (!props) {
      return el("p", {}, [el("span", {"class": "type"}, [typeOf(schema)])]);
    }
    var required = schema.required || [];
    var rows = Object.keys(props).map(function (name) {
      var prop = props[name];
      return el("tr", {}, [
        el("td", {}, [el("code", {}, [name]), " ",
          el("span", {"class": "required"}, [required.indexOf(name) >= 0 ? "required" : ""])]),
        el("td", {"class": "type"}, [typeOf(prop)]),
        el("td", {}, [(prop.description || resolve(prop).description || "") + " " +
          constraints(prop)])
      ]);
    });
    return el("table", {}, [el("tr", {}, [el("th", {}, ["field"]), el("th", {}, ["type"]),
      el("th", {}, ["notes"])])].concat(rows));
  }

  function operation(path, method, op) {
    var auth = (op.security || []).length === 0 ? "public"
      : (op.security.some(function (s) { return Object.keys(s).length === 0; })
        ? "token optional" : "token required");
    var body = el("div", {"class": "body"}, []);
    if (op.description) { body.appendChild(el("p", {}, [op.description])); }
    if (op.parameters) {
      body.appendChild(el("h4", {}, ["Parameters"]));
      var rows = op.parameters.map(function (p) {
        return el("tr", {}, [el("td", {}, [el("code", {}, [p.name]), " ",
          el("span", {"class": "required"}, [p.required ? "required" : ""])]),
          el("td", {}, [p.in]), el("td", {"class": "type"}, [typeOf(p.schema)]),
          el("td", {}, [(p.description || "") + " " + constraints(p.schema || {})])]);
      });
      body.appendChild(el("table", {}, [el("tr", {}, [el("th", {}, ["name"]),
        el("th", {}, ["in"]), el("th", {}, ["type"]), el("th", {}, ["notes"])])].concat(rows)));
    }
    if (op.requestBody) {
      body.appendChild(el("h4", {}, ["Request body (JSON)"]));
      body.appendChild(fieldsTable(op.requestBody.content["application/json"].schema));
    }
    body.appendChild(el("h4", {}, ["Responses"]));
    Object.keys(op.responses).forEach(function (code) {
      var r = op.responses[code];
      body.appendChild(el("p", {}, [el("strong", {}, [code]), " " + r.description]));
      var content = r.content && r.content["application/json"];
      if (content && code.charAt(0) === "2") { body.appendChild(fieldsTable(content.schema)); }
    });
    return el("details", {"class": "op", "data-search": (path + " " + op.summary).toLowerCase()},
      [el("summary", {}, [el("span", {"class": "method " + method}, [method]),
        el("span", {"class": "path"}, [path]), el("span", {"class": "summary"}, [op.summary]),
        el("span", {"class": "lock"}, [auth])]), body]);
  }

  function render() {
    document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
    document.getElementById("description").textContent = doc.info.description || "";
    var main = document.getElementById("operations");
    main.textContent = "";
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = (op.tags || ["other"])[0];
        (byTag[tag] = byTag[tag] || []).push(operation(path, method, op));
      });
    });
    Object.keys(byTag).sort().forEach(function (tag) {
      main.appendChild(el("h2", {"class": "tag"}, [tag]));
      byTag[tag].forEach(function (node) { main.appendChild(node); });
    });
  }

  function filter(text) {
    var needle = text.trim().toLowerCase();
    document.querySelectorAll("details.op").forEach(function (node) {
      node.hidden = needle !== "" && node.getAttribute("data-search").indexOf(needle) < 0;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("filter").addEventListener("input", function (e) {
      filter(e.target.value);
    });
    fetch("/api/schema/").then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (data) { doc = data; render(); }).catch(function (err) {
      document.getElementById("operations").textContent =
        "Could not load /api/schema/: " + err.message;
    });
  });
}());
"""
