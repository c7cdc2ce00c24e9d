//! The document describes exactly the routes that exist.

use serde_json::Value;

use crate::support::spawn;

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_the_api() {
    let (_, document) = gateway::routes::api_and_document();
    let json: Value = serde_json::to_value(&document).unwrap();
    assert!(json["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/health",
        "/ready",
        "/api/v1/me",
        "/api/v1/monitors",
        "/api/v1/monitors/{id}",
        "/api/v1/monitors/{id}/check",
        "/api/v1/monitors/{id}/checks/{check_id}",
        "/api/v1/channels/{id}/test",
        "/api/v1/teams",
    ] {
        assert!(json["paths"][path].is_object(), "{path} is documented");
    }
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = spawn().await;
    let (_, document) = gateway::routes::api_and_document();
    let json: Value = serde_json::to_value(&document).unwrap();
    let mut operations = 0;
    for (path, item) in json["paths"].as_object().unwrap() {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "00000000-0000-4000-8000-000000000000"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let Ok(method) = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            operations += 1;
            // Unauthenticated: a routed operation answers anything but the
            // router's own 404/405 (401 for protected ones, 200 for public).
            let response = app
                .client
                .request(method.clone(), app.url(&concrete))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert!(
                status != 404 && status != 405,
                "{method} {path} is documented but answered {status}"
            );
        }
    }
    assert!(operations >= 15, "only {operations} operations documented");
}

#[tokio::test]
async fn every_operation_documents_the_error_body() {
    let (_, document) = gateway::routes::api_and_document();
    let json: Value = serde_json::to_value(&document).unwrap();
    for (path, item) in json["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["responses"]["default"].is_object(),
                "{method} {path} lacks the default error response"
            );
        }
    }
}

#[tokio::test]
async fn the_document_and_the_docs_page_are_served() {
    let app = spawn().await;
    let response = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["paths"]["/api/v1/monitors"].is_object());

    let page = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/docs/swagger-ui-bundle.js"));
    assert!(
        !html.contains("https://"),
        "the docs page loads nothing remote"
    );
    for asset in [
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-ui.css",
        "/docs/init.js",
    ] {
        let response = app.client.get(app.url(asset)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
    }
}

/// axum cannot list its routes, so the other half of "documented = routed"
/// is structural: route modules register only through `routes!`, which
/// documents what it routes.
#[test]
fn route_modules_register_routes_only_through_the_documenting_macro() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path)
            .unwrap()
            .replace("OpenApiRouter::new()", "");
        for forbidden in [
            ".route(",
            ".route_service(",
            ".nest_service(",
            "Router::new()",
        ] {
            assert!(
                !source.contains(forbidden)
                    || path.ends_with("mod.rs") && forbidden == "Router::new()",
                "{} uses `{forbidden}`: register routes with utoipa_axum::routes! so they are documented",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn every_operation_that_takes_a_bearer_credential_also_takes_x_api_key() {
    let (_, document) = gateway::routes::api_and_document();
    let json: Value = serde_json::to_value(&document).unwrap();
    let scheme = &json["components"]["securitySchemes"]["api_key"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "header");
    assert_eq!(scheme["name"], "X-API-Key");
    let me = &json["paths"]["/api/v1/me"]["get"]["security"];
    assert!(
        me.as_array()
            .unwrap()
            .iter()
            .any(|requirement| requirement.get("api_key").is_some()),
        "{me}"
    );
}

#[tokio::test]
async fn the_document_describes_every_webhook_event_with_its_payload_and_headers() {
    let (_, document) = gateway::routes::api_and_document();
    let json: Value = serde_json::to_value(&document).unwrap();
    for (event, schema) in [
        ("monitor.triggered", "MonitorTriggeredEvent"),
        ("monitor.failing", "MonitorFailingEvent"),
        ("monitor.recovered", "MonitorRecoveredEvent"),
        ("monitor.test", "MonitorTestEvent"),
    ] {
        let post = &json["webhooks"][event]["post"];
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            format!("#/components/schemas/{schema}"),
            "{event}"
        );
        let headers: Vec<&str> = post["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|parameter| parameter["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            headers,
            ["webhook-id", "webhook-timestamp", "webhook-signature"]
        );
        let envelope = &json["components"]["schemas"][schema];
        assert_eq!(envelope["properties"]["type"]["enum"][0], event);
        assert_eq!(
            envelope["properties"]["data"]["$ref"],
            "#/components/schemas/AlertData"
        );
    }
    let data = json["components"]["schemas"]["AlertData"]["properties"]
        .as_object()
        .unwrap();
    for field in [
        "kind",
        "monitor_id",
        "summary",
        "diff",
        "check_id",
        "link",
        "checked_at",
    ] {
        assert!(data.contains_key(field), "{field}");
    }
}
