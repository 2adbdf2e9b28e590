"""The API docs page (/docs): the OpenAPI document rendered to plain HTML on the server, so it works offline,
with no script at all and every string escaped."""

from __future__ import annotations

import json
from html import escape
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


def _schema_text(schema: dict[str, Any], components: dict[str, Any]) -> str:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _schema_text(components.get(name, {}), components) if name in components else name
    if "anyOf" in schema:
        return " | ".join(_schema_text(s, components) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    limits = []
    for key, label in (("minimum", "≥"), ("maximum", "≤"), ("minLength", "length ≥"), ("maxLength", "length ≤")):
        if key in schema:
            limits.append(f"{label} {schema[key]}")
    if "pattern" in schema:
        limits.append(f"pattern {schema['pattern']}")
    if schema.get("format"):
        kind = f"{kind} ({schema['format']})"
    return kind + (f", {', '.join(limits)}" if limits else "")


def _parameters(op: dict[str, Any], components: dict[str, Any]) -> str:
    params = op.get("parameters", [])
    if not params:
        return "<p class=muted>No parameters.</p>"
    rows = []
    for p in params:
        schema = p.get("schema", {})
        default = schema.get("default")
        rows.append(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                escape(p["name"]),
                escape(p.get("in", "")),
                "yes" if p.get("required") else "",
                escape(_schema_text(schema, components))
                + (f"<br>default <code>{escape(json.dumps(default))}</code>" if default is not None else ""),
                escape(p.get("description") or schema.get("description") or ""),
            )
        )
    head = "<tr><th>name</th><th>in</th><th>required</th><th>type</th><th>description</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def render_docs(spec: dict[str, Any]) -> str:
    info = spec.get("info", {})
    components = spec.get("components", {}).get("schemas", {})
    toc, sections = [], []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            anchor = escape(f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""))
            title = f"{method.upper()} {path}"
            toc.append(f'<li><a href="#{anchor}"><code>{escape(title)}</code></a> {escape(op.get("summary", ""))}</li>')
            example = ""
            if method == "get" and "{" not in path:
                example = f'<p>Try: <a href="{escape(path)}"><code>{escape(path)}</code></a></p>'
            responses = ", ".join(
                f"{escape(code)} {escape(r.get('description', ''))}" for code, r in op.get("responses", {}).items()
            )
            sections.append(
                f'<section id="{anchor}"><h2><code>{escape(title)}</code></h2>'
                f"<p>{escape(op.get('description', '')).replace(chr(10) + chr(10), '</p><p>')}</p>"
                f"{example}{_parameters(op, components)}<p class=muted>Responses: {responses}</p></section>"
            )
    description = "".join(f"<p>{escape(par)}</p>" for par in info.get("description", "").split("\n\n") if par)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(info.get('title', 'API'))} API {escape(str(info.get('version', '')))}</title>"
        '<link rel="stylesheet" href="/docs.css"></head><body>'
        f"<h1>{escape(info.get('title', 'API'))} API <small>{escape(str(info.get('version', '')))}</small></h1>"
        f'{description}<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI '
        f"{escape(str(spec.get('openapi', '')))}). Dashboard: <a href=\"/\">/</a>.</p>"
        f"<ul class=toc>{''.join(toc)}</ul>{''.join(sections)}</body></html>"
    )
