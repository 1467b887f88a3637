/* A small API documentation page drawn from the service's OpenAPI document: no CDN, no build. */
"use strict";
(function () {
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) { node.setAttribute(key, value); }
    for (const child of children) {
      if (child !== null && child !== undefined) {
        node.append(typeof child === "string" ? document.createTextNode(child) : child);
      }
    }
    return node;
  }
  function refName(schema) {
    return schema && schema.$ref ? schema.$ref.split("/").pop() : null;
  }
  function schemaView(schema) {
    const name = refName(schema);
    if (name) { return el("a", { href: `#schema-${name}` }, name); }
    const choices = schema && (schema.anyOf || schema.oneOf);
    if (choices && choices.every(refName)) {
      const span = el("span");
      choices.forEach((choice, i) => span.append(...(i ? [" or "] : []), schemaView(choice)));
      return span;
    }
    return el("code", {}, JSON.stringify(schema || {}));
  }
  function contentTable(content) {
    const table = el("table", {}, el("tr", {}, el("th", {}, "media type"), el("th", {}, "schema")));
    for (const [media, body] of Object.entries(content || {})) {
      table.append(el("tr", {}, el("td", {}, el("code", {}, media)), el("td", {}, schemaView(body.schema))));
    }
    return table;
  }
  function operation(path, method, op) {
    const box = el("section", { class: "op", id: `${method}-${path}` });
    box.append(el("h3", {}, el("span", { class: `method ${method}` }, method.toUpperCase()), path));
    if (op.summary) { box.append(el("strong", {}, op.summary)); }
    if (op.description) { box.append(el("p", {}, op.description)); }
    const params = op.parameters || [];
    if (params.length) {
      const table = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "schema")));
      for (const p of params) {
        table.append(el("tr", {}, el("td", {}, p.name), el("td", {}, p.in), el("td", {}, schemaView(p.schema))));
      }
      box.append(el("h4", {}, "Parameters"), table);
    }
    if (op.requestBody) {
      box.append(el("h4", {}, "Request body"));
      if (op.requestBody.description) { box.append(el("p", {}, op.requestBody.description)); }
      box.append(contentTable(op.requestBody.content));
    }
    box.append(el("h4", {}, "Responses"));
    const table = el("table", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "description"), el("th", {}, "body")));
    for (const [status, response] of Object.entries(op.responses || {})) {
      const bodies = el("div");
      for (const [media, body] of Object.entries(response.content || {})) {
        bodies.append(el("div", {}, el("code", {}, media), " ", schemaView(body.schema)));
      }
      table.append(el("tr", {}, el("td", {}, status), el("td", {}, response.description || ""), el("td", {}, bodies)));
    }
    box.append(table);
    return box;
  }
  async function draw() {
    const main = document.getElementById("docs");
    const source = main.dataset.openapi || "/openapi.json";
    let spec;
    try {
      spec = await (await fetch(source)).json();
    } catch (e) {
      main.replaceChildren(el("p", {}, `Cannot load ${source}: ${e}`));
      return;
    }
    document.title = `${spec.info.title} — API`;
    main.replaceChildren(
      el("h1", {}, `${spec.info.title} ${spec.info.version}`),
      el("p", {}, spec.info.description || ""),
      el("p", {}, "The machine-readable document: ", el("a", { href: source }, source)),
    );
    const byTag = new Map();
    for (const [path, methods] of Object.entries(spec.paths || {})) {
      for (const [method, op] of Object.entries(methods)) {
        const tag = (op.tags && op.tags[0]) || "Other";
        if (!byTag.has(tag)) { byTag.set(tag, []); }
        byTag.get(tag).push(operation(path, method, op));
      }
    }
    const tagText = new Map((spec.tags || []).map((t) => [t.name, t.description]));
    for (const [tag, ops] of byTag) {
      main.append(el("h2", {}, tag));
      if (tagText.get(tag)) { main.append(el("p", {}, tagText.get(tag))); }
      main.append(...ops);
    }
    main.append(el("h2", {}, "Schemas"));
    for (const [name, schema] of Object.entries((spec.components || {}).schemas || {})) {
      main.append(el("h3", { id: `schema-${name}` }, name), el("pre", {}, JSON.stringify(schema, null, 2)));
    }
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
