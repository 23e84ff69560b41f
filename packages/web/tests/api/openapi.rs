//! `GET /api/openapi.json` and `GET /api/docs`: every route the router lists is in the spec with
//! its method, the spec is an OpenAPI 3 document whose references all resolve, and the docs page
//! runs under the CSP (no inline script, its script served by us).

use std::collections::BTreeSet;

use http::{StatusCode, header};
use mirai_web::{routes, undocumented_routes};
use serde_json::Value;

use crate::support::*;

async fn spec() -> Value {
    let h = harness();
    let a = call(&h.ctx, get("/api/openapi.json", None)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    a.assert_json_headers();
    let alias = call(&h.ctx, get("/api/openapi", None)).await;
    assert_eq!(alias.text, a.text, "Vercel's function path answers the same document");
    a.json()
}

/// Every `$ref` in `v`.
fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        out.insert(r.clone());
                    }
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_route_is_in_the_spec_with_its_method_and_who_may_use_it() {
    let spec = spec().await;
    let listed = routes();
    assert!(listed.len() >= 20);
    for r in &listed {
        let op = &spec["paths"][r.template][r.method.to_ascii_lowercase()];
        assert!(op.is_object(), "{} {} is not in the spec", r.method, r.template);
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{} {}", r.method, r.template);
        let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{} {}", r.method, r.template));
        assert!(
            responses.keys().any(|c| c.starts_with('2')),
            "{} {}: no success answer",
            r.method,
            r.template
        );
        assert!(responses.contains_key("504"), "every route has the deadline");
        match r.permission {
            Some(_) => {
                assert_eq!(
                    op["security"],
                    serde_json::json!([{ "bearer": [] }]),
                    "{} {}",
                    r.method,
                    r.template
                );
                assert!(responses.contains_key("401") && responses.contains_key("429"));
            }
            None => assert!(op.get("security").is_none(), "{} {} is public", r.method, r.template),
        }
        for name in ["id", "name"] {
            if r.template.contains(&format!("{{{name}}}")) {
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                assert!(
                    params.iter().any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true),
                    "{} {}: path parameter {name}",
                    r.method,
                    r.template
                );
            }
        }
    }
    // Nothing in the spec that the router does not serve.
    let served: BTreeSet<(String, String)> =
        listed.iter().map(|r| (r.template.to_owned(), r.method.to_ascii_lowercase())).collect();
    for (path, item) in spec["paths"].as_object().unwrap_or_else(|| panic!("paths")) {
        for method in item.as_object().unwrap_or_else(|| panic!("{path}")).keys() {
            assert!(served.contains(&(path.clone(), method.clone())), "{method} {path} is not a route");
        }
    }
    assert_eq!(undocumented_routes(), Vec::<String>::new(), "add these routes' entries in routes/openapi.rs");
}

#[tokio::test]
async fn the_spec_is_openapi_3_and_every_reference_resolves() {
    let spec = spec().await;
    assert!(spec["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", spec["openapi"]);
    assert_eq!(spec["info"]["title"], "Mirai");
    assert_eq!(spec["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    // Every operation is an object with answers; every schema is an object (JSON Schema). A full
    // validation against the OpenAPI 3.1 meta-schema is a one-off (docs/benchmarks.md, "Web tier").
    for (path, item) in spec["paths"].as_object().unwrap_or_else(|| panic!("paths")) {
        assert!(path.starts_with('/'), "{path}");
        for (method, op) in item.as_object().unwrap_or_else(|| panic!("{path}")) {
            assert!(["get", "post", "put", "delete"].contains(&method.as_str()), "{method} {path}");
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}");
            assert!(op["operationId"].is_string(), "{method} {path}");
        }
    }
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap_or_else(|| panic!("schemas")) {
        assert!(schema.is_object(), "{name}");
    }
    let mut all = BTreeSet::new();
    refs(&spec, &mut all);
    assert!(all.len() > 20, "{all:?}");
    for r in &all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{r}"));
        assert!(spec["components"]["schemas"][name].is_object(), "{r} does not resolve");
    }
    // The types the answers carry are described as they travel: decimals as strings, times as
    // milliseconds, enums by their names.
    let schemas = &spec["components"]["schemas"];
    assert_eq!(schemas["Amount"]["type"], "string");
    assert_eq!(schemas["Timestamp"]["type"], "integer");
    assert_eq!(schemas["Side"]["enum"], serde_json::json!(["BUY", "SELL"]));
    assert_eq!(schemas["StatusView"]["properties"]["equity"]["$ref"], "#/components/schemas/Amount");
    let login = &spec["paths"]["/api/auth/login"]["post"];
    assert_eq!(
        login["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/LoginRequest"
    );
    // The admin's routes are described as fully as the others: no answer or body is a bare
    // object (only the spec itself, whose shape is OpenAPI's).
    for (path, item) in spec["paths"].as_object().unwrap_or_else(|| panic!("paths")) {
        for (method, op) in item.as_object().unwrap_or_else(|| panic!("{path}")) {
            let ok = op["responses"].as_object().and_then(|r| r.iter().find(|(c, _)| c.starts_with('2')));
            let schema = ok.map(|(_, r)| &r["content"]["application/json"]["schema"]);
            let body = &op["requestBody"]["content"]["application/json"]["schema"];
            for s in schema.into_iter().chain([body]).filter(|s| !s.is_null()) {
                let bare = s.get("$ref").is_none() && s.get("properties").is_none();
                assert!(!bare || path == "/api/openapi.json", "{method} {path}: {s}");
            }
        }
    }
    let risk = &spec["paths"]["/api/risk"];
    assert_eq!(
        risk["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/RiskLimitsView"
    );
    assert_eq!(
        risk["put"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["limits"]["$ref"],
        "#/components/schemas/RiskLimits"
    );
    assert_eq!(schemas["RiskLimits"]["properties"]["max_position_pct"]["type"], "string", "a decimal");
    assert_eq!(schemas["NewUser"]["properties"]["password"]["format"], "password");
    let audit = &spec["paths"]["/api/audit"]["get"]["parameters"];
    assert!(audit.as_array().is_some_and(|p| p.iter().any(|p| p["name"] == "cursor" && p["in"] == "query")));
    let trades = &spec["paths"]["/api/trades"]["get"]["parameters"];
    assert!(trades.as_array().is_some_and(|p| p.iter().any(|p| p["name"] == "limit" && p["in"] == "query")));
}

#[tokio::test]
async fn the_docs_page_renders_the_spec_with_our_own_script() {
    let h = harness();
    let a = call(&h.ctx, get("/api/docs", None)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(a.headers[header::CONTENT_SECURITY_POLICY], mirai_web::content_security_policy());
    assert!(
        !a.text.contains("<script>") && !a.text.contains("<style") && !a.text.contains("http"),
        "{}",
        a.text
    );
    assert!(a.text.contains(r#"<script type="module" src="/static/js/docs.js"></script>"#));
    let js = call(&h.ctx, get("/static/js/docs.js", None)).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.text.contains("/api/openapi.json") && js.text.contains("textContent"));
}
