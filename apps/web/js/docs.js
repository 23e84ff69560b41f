// The API docs page (`GET /api/docs`): renders `/api/openapi.json` as a list of operations and
// schemas. Our own code under the page's CSP (script-src 'self', no inline code, no CDN); it writes
// text only (textContent), never HTML.

const root = document.getElementById("docs");
const status = document.getElementById("docs-status");

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function refName(ref) {
  return ref.split("/").pop();
}

// A schema in a few words: `Amount`, `array of TradeView`, `string | null`, `"paper" | "live"`.
function describe(schema) {
  if (!schema) return "";
  if (schema.$ref) return refName(schema.$ref);
  const options = schema.oneOf || schema.anyOf;
  if (options) return options.map(describe).join(" | ");
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type || "any";
  if (schema.type === "array" || (Array.isArray(schema.type) && schema.type.includes("array"))) {
    return `array of ${describe(schema.items)}`;
  }
  return schema.format ? `${type} (${schema.format})` : type;
}

// A link to a schema's section when `schema` names one.
function typeCell(schema) {
  const cell = el("td");
  const name = schema && (schema.$ref || (schema.items && schema.items.$ref));
  const code = el("code", describe(schema));
  if (name) {
    const link = el("a");
    link.href = `#schema-${refName(name)}`;
    link.append(code);
    cell.append(link);
  } else {
    cell.append(code);
  }
  return cell;
}

function table(headers, rows) {
  const t = el("table");
  const head = el("tr");
  headers.forEach((h) => head.append(el("th", h)));
  t.append(head);
  rows.forEach((cells) => {
    const tr = el("tr");
    cells.forEach((c) => tr.append(c instanceof Node ? c : el("td", c)));
    t.append(tr);
  });
  return t;
}

function operation(path, method, op) {
  const section = el("section", null, "docs-op");
  const title = el("h3");
  title.append(el("code", method.toUpperCase()), " ", el("code", path));
  if (op.security) title.append(" ", el("span", "(token)", "docs-auth"));
  section.append(title, el("p", op.summary || ""));
  const params = op.parameters || [];
  if (params.length) {
    section.append(
      table(
        ["parameter", "in", "type", "description"],
        params.map((p) => [el("td", p.name + (p.required ? " *" : "")), p.in, typeCell(p.schema), p.description || ""]),
      ),
    );
  }
  const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
  if (body) {
    const p = el("p", "Body (application/json): ");
    p.append(typeCell(body.schema).firstChild);
    section.append(p);
  }
  const responses = Object.entries(op.responses || {}).map(([code, r]) => {
    const [media, content] = Object.entries(r.content || {})[0] || ["", {}];
    return [code, r.description || "", media, typeCell(content.schema)];
  });
  section.append(table(["status", "meaning", "media type", "body"], responses));
  return section;
}

function schemaSection(name, schema) {
  const section = el("section", null, "docs-schema");
  section.id = `schema-${name}`;
  section.append(el("h3", name));
  if (schema.description) section.append(el("p", schema.description));
  const props = Object.entries(schema.properties || {});
  const required = new Set(schema.required || []);
  if (props.length) {
    section.append(
      table(
        ["field", "type", "description"],
        props.map(([field, s]) => [el("td", field + (required.has(field) ? " *" : "")), typeCell(s), s.description || ""]),
      ),
    );
  } else {
    section.append(el("p", describe(schema)));
  }
  return section;
}

async function main() {
  const resp = await fetch("/api/openapi.json", { headers: { Accept: "application/json" } });
  if (!resp.ok) throw new Error(`GET /api/openapi.json: ${resp.status}`);
  const spec = await resp.json();
  status.textContent = `${spec.info.title} ${spec.info.version} — OpenAPI ${spec.openapi}. ${spec.info.description || ""}`;
  const spec_link = el("a", "The OpenAPI document (JSON)");
  spec_link.href = "/api/openapi.json";
  root.append(el("p").appendChild(spec_link).parentNode);
  const byTag = new Map();
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(path, method, op));
    }
  }
  // In the order the document lists its tags, then any other.
  const order = (spec.tags || []).map((t) => t.name).filter((t) => byTag.has(t));
  for (const tag of [...order, ...[...byTag.keys()].filter((t) => !order.includes(t))]) {
    root.append(el("h2", tag), ...byTag.get(tag));
  }
  root.append(el("h2", "Schemas"));
  const schemas = (spec.components && spec.components.schemas) || {};
  for (const name of Object.keys(schemas).sort()) {
    root.append(schemaSection(name, schemas[name]));
  }
}

main().catch((e) => {
  status.textContent = `The API description could not be shown: ${e.message}`;
});
