//! `GET /api/openapi.json`: the API described as OpenAPI 3.1, built once per process from the
//! router's own list ([`super::routes`]: every route, its method and who may use it) and the
//! handlers' types (`ToSchema` on the views and bodies, `IntoParams` on the query structs). Each
//! route's entry in the table (`table.rs`) says which types it reads and answers; a route the router lists
//! and this table does not is still in the spec (with a generic answer), and a test names it.
//!
//! `GET /api/docs`: a page that renders the spec as a list of paths and schemas with the
//! dashboard's own script (`apps/web/js/docs.js`), under the same CSP (no inline code, no CDN).

mod table;

use std::sync::LazyLock;

use bytes::Bytes;
use http::{Response, StatusCode};
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ComponentsBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    Content, InfoBuilder, OpenApi, OpenApiBuilder, PathItem, PathsBuilder, Ref, RefOr, Required,
    ResponseBuilder, Schema,
};
use utoipa::{PartialSchema, ToSchema};

use self::table::{Doc, doc_of, string_schema};
use crate::auth::Role;
use crate::error::FieldError;
use crate::plumbing::response::with_body;
use crate::views::{PageCursor, PnlStep};

/// A page's `next`: an opaque token to send back as `cursor`.
impl PartialSchema for PageCursor {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("Send it back as `cursor` for the page after this one."))
            .pattern(Some(r"^-?[0-9]+\.[0-9a-f]*$"))
            .examples(["1700000000000.6d692d31"])
            .into()
    }
}
impl ToSchema for PageCursor {}

/// A P&L step as written in queries: a number and a unit.
impl PartialSchema for PnlStep {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A step: a whole number and `s`, `m`, `h` or `d`."))
            .pattern(Some(r"^[0-9]+[smhd]$"))
            .examples(["1m"])
            .into()
    }
}
impl ToSchema for PnlStep {}

/// Where the spec is served (`/api/openapi` too: Vercel's function for it).
pub(crate) const SPEC_PATH: &str = "/api/openapi.json";
/// Where the page that shows it is served.
pub(crate) const DOCS_PATH: &str = "/api/docs";

/// The docs page: a shell the script fills in (no inline code).
const DOCS_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mirai API</title>
<link rel="stylesheet" href="/static/app.css">
<script type="module" src="/static/js/docs.js"></script>
</head>
<body>
<main id="docs" class="docs"><h1>Mirai API</h1><p id="docs-status">Loading the OpenAPI document…</p></main>
</body>
</html>
"#;

/// The spec, serialised once.
static SPEC_JSON: LazyLock<Bytes> = LazyLock::new(|| match document().to_json() {
    Ok(json) => Bytes::from(json),
    Err(e) => {
        tracing::error!(error = %e, "the OpenAPI document does not serialise");
        Bytes::from_static(br#"{"error":"internal error","code":"internal"}"#)
    }
});

/// `GET /api/openapi.json`.
pub(super) fn spec() -> Response<Bytes> {
    with_body(StatusCode::OK, "application/json", SPEC_JSON.clone())
}

/// `GET /api/docs`.
pub(super) fn docs_page() -> Response<Bytes> {
    with_body(StatusCode::OK, "text/html; charset=utf-8", Bytes::from_static(DOCS_HTML.as_bytes()))
}

/// Collects the schemas the operations refer to.
#[derive(Default)]
struct Schemas(Vec<(String, RefOr<Schema>)>);

impl Schemas {
    /// A reference to `T`'s schema, registered with the schemas it refers to.
    fn of<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let name = T::name().into_owned();
        self.0.push((name.clone(), T::schema()));
        T::schemas(&mut self.0);
        RefOr::Ref(Ref::from_schema_name(name))
    }

    /// An object with one property, `key`, a list of `T`.
    fn list_of<T: ToSchema>(&mut self, key: &str) -> RefOr<Schema> {
        let items = self.of::<T>();
        ObjectBuilder::new().property(key, ArrayBuilder::new().items(items)).required(key).into()
    }
}

/// An answer with the JSON error body.
fn error(description: &str, error: &RefOr<Schema>) -> ResponseBuilder {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", Content::new(Some(error.clone())))
}

fn operation(spec: &super::RouteSpec, doc: Doc, error_body: &RefOr<Schema>) -> Operation {
    let mut op = OperationBuilder::new().summary(Some(doc.summary)).tag(doc.tag).operation_id(Some(format!(
        "{}{}",
        spec.method.to_ascii_lowercase(),
        spec.template.replace(['/', '{', '}', '.', '-'], "_")
    )));
    let mut params = doc.params;
    for name in ["id", "name"].into_iter().filter(|n| spec.template.contains(&format!("{{{n}}}"))) {
        params.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(string_schema()))
                .build(),
        );
    }
    let has_query = !params.iter().all(|p| p.parameter_in == ParameterIn::Path);
    op = op.parameters(Some(params));
    if let Some(body) = &doc.body {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content("application/json", Content::new(Some(body.clone())))
                .build(),
        ));
    }
    let (status, media, schema) = doc.ok;
    op = op.response(
        status.to_string(),
        ResponseBuilder::new().description("Success").content(media, Content::new(schema)),
    );
    let mut errors: Vec<(u16, String)> = doc.also.iter().map(|(c, d)| (*c, (*d).to_owned())).collect();
    if has_query || doc.body.is_some() {
        errors.push((400, "Malformed query or body".into()));
        errors.push((422, "A value out of its range (`fields` names each)".into()));
    }
    if doc.body.is_some() {
        errors.push((413, "Body over 64 KiB".into()));
        errors.push((415, "Content-Type is not application/json".into()));
    }
    if let Some(permission) = spec.permission {
        op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        errors.push((401, "No token, or an invalid or expired one, or its user is gone or disabled".into()));
        if permission.minimum_role() > Role::Viewer {
            errors.push((403, format!("Needs the {} role (`required_role`)", permission.minimum_role())));
        }
        errors.push((429, "Over the requests a minute of this user or address (`Retry-After`)".into()));
        errors.push((503, "The trading worker is unavailable".into()));
    }
    errors.push((504, "Not answered within the request deadline".into()));
    errors.sort();
    errors.dedup_by_key(|(c, _)| *c);
    for (code, description) in errors {
        op = op.response(code.to_string(), error(&description, error_body));
    }
    op.build()
}

/// The whole document.
pub(crate) fn document() -> OpenApi {
    let mut s = Schemas::default();
    let fields = s.of::<FieldError>();
    let role = s.of::<Role>();
    let error_body: RefOr<Schema> = ObjectBuilder::new()
        .description(Some("Every error: a message for people and a stable code for programs."))
        .property("error", string_schema())
        .property("code", string_schema())
        .property("fields", ArrayBuilder::new().items(fields))
        .property("required_role", role)
        .required("error")
        .required("code")
        .into();
    s.0.push(("Error".to_owned(), error_body));
    let error_ref = RefOr::Ref(Ref::from_schema_name("Error"));

    let mut paths = PathsBuilder::new();
    for spec in super::routes() {
        let doc = doc_of(spec.method, spec.template, &mut s).unwrap_or_else(|| Doc {
            summary: "Undocumented route (add it to routes/openapi.rs)",
            tag: "undocumented",
            params: vec![],
            body: None,
            ok: (200, "application/json", None),
            also: &[],
        });
        let method = match spec.method {
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "DELETE" => HttpMethod::Delete,
            _ => HttpMethod::Get,
        };
        paths = paths.path(spec.template, PathItem::new(method, operation(&spec, doc, &error_ref)));
    }
    s.0.sort_by(|a, b| a.0.cmp(&b.0));
    s.0.dedup_by(|a, b| a.0 == b.0);
    let components = ComponentsBuilder::new()
        .schemas_from_iter(s.0)
        .security_scheme(
            "bearer",
            SecurityScheme::Http(Http::builder().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        )
        .build();
    let tags = [
        "auth",
        "trading",
        "history",
        "backtests",
        "search",
        "proposals",
        "admin",
        "dashboard",
        "system",
        "docs",
    ]
    .map(|t| TagBuilder::new().name(t).build());
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Mirai")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The web tier of Mirai, an AI-assisted crypto trading platform. Amounts are exact decimal \
                     strings; times are milliseconds since the Unix epoch. Log in at `/api/auth/login` and send \
                     the token as `Authorization: Bearer`. Authenticated routes are rate-limited per user and per \
                     address (429 with `Retry-After`).",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components))
        .tags(Some(tags))
        .build()
}

/// The routes the OpenAPI document has no entry for (they are in it with a generic answer): a
/// test keeps this empty.
pub fn undocumented() -> Vec<String> {
    let mut s = Schemas::default();
    super::routes()
        .into_iter()
        .filter(|r| doc_of(r.method, r.template, &mut s).is_none())
        .map(|r| format!("{} {}", r.method, r.template))
        .collect()
}
