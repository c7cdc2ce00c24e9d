//! The Kubernetes kustomize base in deploy/k8s.

// Test helpers unwrap: a failed setup step should fail the check loudly.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::process::Command;

use deploy_checks::scratch::ScratchDir;
use deploy_checks::{repo, tools, yaml};
use yaml_serde::Value;

const BASE: &str = "deploy/k8s";

fn kustomization() -> Value {
    yaml::parse(&repo::read(&format!("{BASE}/kustomization.yaml")).unwrap()).unwrap()
}

fn listed_resources() -> Vec<String> {
    kustomization()["resources"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|item| item.as_str().unwrap().to_owned())
        .collect()
}

/// Every object of every listed resource file.
fn objects() -> Vec<Value> {
    listed_resources()
        .iter()
        .flat_map(|file| yaml::parse_all(&repo::read(&format!("{BASE}/{file}")).unwrap()).unwrap())
        .collect()
}

fn of_kind(kind: &str) -> BTreeMap<String, Value> {
    objects()
        .into_iter()
        .filter(|object| yaml::str_at(object, &["kind"]) == Some(kind))
        .map(|object| {
            (
                yaml::str_at(&object, &["metadata", "name"])
                    .unwrap()
                    .to_owned(),
                object,
            )
        })
        .collect()
}

fn pod_label_values(selector: &Value) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(name) = yaml::str_at(selector, &["matchLabels", "app.kubernetes.io/name"]) {
        names.push(name.to_owned());
    }
    names
}

#[test]
fn every_listed_resource_exists_and_holds_kubernetes_objects() {
    for file in listed_resources() {
        let text = repo::read(&format!("{BASE}/{file}")).unwrap();
        let documents = yaml::parse_all(&text).unwrap();
        assert!(!documents.is_empty(), "{file} is empty");
        for document in documents {
            assert!(
                yaml::str_at(&document, &["apiVersion"]).is_some(),
                "{file}: apiVersion"
            );
            assert!(yaml::str_at(&document, &["kind"]).is_some(), "{file}: kind");
            assert!(
                yaml::str_at(&document, &["metadata", "name"]).is_some(),
                "{file}: metadata.name"
            );
        }
    }
}

#[test]
fn every_service_has_a_deployment_and_callable_ones_a_service() {
    let deployments = of_kind("Deployment");
    let services = of_kind("Service");
    for name in ["gateway", "scheduler", "browser", "llm", "notify", "web"] {
        assert!(deployments.contains_key(name), "Deployment {name}");
    }
    for name in ["gateway", "browser", "llm", "notify", "web"] {
        assert!(services.contains_key(name), "Service {name}");
    }
    assert!(
        !services.contains_key("scheduler"),
        "nothing calls the scheduler"
    );
}

#[test]
fn every_deployment_has_probes_and_runs_hardened() {
    for (name, deployment) in of_kind("Deployment") {
        let pod = yaml::at(&deployment, &["spec", "template", "spec"]).unwrap();
        assert_eq!(
            yaml::at(pod, &["securityContext", "runAsNonRoot"]),
            Some(&Value::Bool(true)),
            "{name}: runAsNonRoot"
        );
        for container in pod["containers"].as_sequence().unwrap() {
            assert!(
                container.get("readinessProbe").is_some(),
                "{name}: readinessProbe"
            );
            assert!(
                container.get("livenessProbe").is_some(),
                "{name}: livenessProbe"
            );
            let security = &container["securityContext"];
            assert_eq!(
                security["readOnlyRootFilesystem"],
                Value::Bool(true),
                "{name}"
            );
            assert_eq!(
                security["allowPrivilegeEscalation"],
                Value::Bool(false),
                "{name}"
            );
            assert!(
                yaml::at(container, &["resources", "limits", "memory"]).is_some(),
                "{name}: memory limit"
            );
        }
    }
}

/// What a stopping pod needs after SIGTERM: the service's own drain
/// (`SHUTDOWN_DRAIN_SECONDS` in production) and the longest request it lets
/// finish (`REQUEST_TIMEOUT_SECONDS`).
const DRAIN_SECONDS: u64 = 5;
const LONGEST_REQUEST_SECONDS: u64 = 30;

#[test]
fn services_that_take_traffic_wait_before_sigterm_and_have_time_to_drain() {
    let deployments = of_kind("Deployment");
    for name in ["gateway", "browser", "llm", "notify"] {
        let pod = yaml::at(&deployments[name], &["spec", "template", "spec"]).unwrap();
        let container = &pod["containers"][0];
        let pre_stop = yaml::at(container, &["lifecycle", "preStop", "sleep", "seconds"])
            .and_then(Value::as_u64)
            .unwrap_or_else(|| panic!("{name}: a preStop sleep while endpoints catch up"));
        let grace = pod["terminationGracePeriodSeconds"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: terminationGracePeriodSeconds"));
        assert!(
            grace >= pre_stop + DRAIN_SECONDS + LONGEST_REQUEST_SECONDS,
            "{name}: a grace period of {grace} s cannot hold a {pre_stop} s preStop, \
             a {DRAIN_SECONDS} s drain and a {LONGEST_REQUEST_SECONDS} s request"
        );
    }
}

#[test]
fn internal_services_accept_traffic_only_from_gateway_and_scheduler() {
    let policies = of_kind("NetworkPolicy");
    assert!(
        policies.contains_key("default-deny-ingress"),
        "a default deny policy"
    );
    for service in ["browser", "llm", "notify"] {
        let applying: Vec<&Value> = policies
            .values()
            .filter(|policy| {
                let selector = yaml::at(policy, &["spec", "podSelector"]).unwrap();
                pod_label_values(selector).contains(&service.to_owned())
                    && policy["spec"].get("ingress").is_some()
            })
            .collect();
        assert_eq!(applying.len(), 1, "{service}: exactly one ingress policy");
        let rules = applying[0]["spec"]["ingress"].as_sequence().unwrap();
        let mut callers: Vec<String> = rules
            .iter()
            .flat_map(|rule| rule["from"].as_sequence().unwrap().iter())
            .flat_map(|peer| {
                assert!(peer.get("ipBlock").is_none() && peer.get("namespaceSelector").is_none());
                pod_label_values(&peer["podSelector"])
            })
            .collect();
        callers.sort();
        assert_eq!(callers, ["gateway", "scheduler"], "{service}");
    }
}

#[test]
fn gateway_and_scheduler_scale_horizontally() {
    let autoscalers = of_kind("HorizontalPodAutoscaler");
    for name in ["gateway", "scheduler"] {
        let hpa = &autoscalers[name];
        assert_eq!(
            yaml::str_at(hpa, &["spec", "scaleTargetRef", "kind"]),
            Some("Deployment")
        );
        assert_eq!(
            yaml::str_at(hpa, &["spec", "scaleTargetRef", "name"]),
            Some(name)
        );
        assert!(
            hpa["spec"]["minReplicas"].as_u64().unwrap() >= 2,
            "{name}: minReplicas"
        );
    }
}

#[test]
fn the_ingress_terminates_tls_and_routes_only_public_paths_to_the_gateway() {
    let ingress = &of_kind("Ingress")["lookout"];
    let tls = ingress["spec"]["tls"].as_sequence().unwrap();
    assert_eq!(yaml::str_at(&tls[0], &["secretName"]), Some("lookout-tls"));
    let mut routes: Vec<(String, String)> = Vec::new();
    for rule in ingress["spec"]["rules"].as_sequence().unwrap() {
        for path in rule["http"]["paths"].as_sequence().unwrap() {
            routes.push((
                yaml::str_at(path, &["path"]).unwrap().to_owned(),
                yaml::str_at(path, &["backend", "service", "name"])
                    .unwrap()
                    .to_owned(),
            ));
        }
    }
    for (path, backend) in &routes {
        let public_api = ["/api", "/auth", "/docs", "/health", "/ready"].contains(&path.as_str());
        let expected = if public_api { "gateway" } else { "web" };
        assert_eq!(backend, expected, "{path}");
        assert!(!["browser", "llm", "notify", "scheduler"].contains(&backend.as_str()));
    }
}

#[test]
fn imports_get_their_body_size_and_time_only_on_the_team_routes() {
    let ingresses = of_kind("Ingress");
    let main = &ingresses["lookout"]["metadata"]["annotations"];
    assert_eq!(
        yaml::str_at(main, &["nginx.ingress.kubernetes.io/proxy-body-size"]),
        Some("1m")
    );
    let import = &ingresses["lookout-import"];
    let annotation = |name: &str| {
        yaml::str_at(
            &import["metadata"]["annotations"],
            &[&format!("nginx.ingress.kubernetes.io/{name}")],
        )
        .map(str::to_owned)
    };
    // The gateway's MAX_IMPORT_BYTES and IMPORT_DEADLINE.
    assert_eq!(annotation("proxy-body-size").as_deref(), Some("64m"));
    assert_eq!(annotation("proxy-read-timeout").as_deref(), Some("600"));
    assert_eq!(annotation("proxy-send-timeout").as_deref(), Some("600"));
    assert_eq!(annotation("proxy-buffering").as_deref(), Some("off"));
    assert_eq!(
        annotation("proxy-request-buffering").as_deref(),
        Some("off")
    );
    assert_eq!(
        annotation("use-regex"),
        None,
        "a regex would apply to the whole host"
    );
    assert_eq!(
        yaml::str_at(&import["spec"]["tls"][0], &["secretName"]),
        Some("lookout-tls")
    );
    let paths = import["spec"]["rules"][0]["http"]["paths"]
        .as_sequence()
        .unwrap();
    assert_eq!(paths.len(), 1);
    assert_eq!(yaml::str_at(&paths[0], &["path"]), Some("/api/v1/teams"));
    assert_eq!(yaml::str_at(&paths[0], &["pathType"]), Some("Prefix"));
    assert_eq!(
        yaml::str_at(&paths[0], &["backend", "service", "name"]),
        Some("gateway")
    );
}

#[test]
fn secrets_are_templates_without_values_and_never_applied_by_the_base() {
    let listed = listed_resources();
    let mut templates = 0;
    for entry in std::fs::read_dir(repo::path(BASE)).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !file.ends_with(".yaml") {
            continue;
        }
        for document in yaml::parse_all(&std::fs::read_to_string(&path).unwrap()).unwrap() {
            if yaml::str_at(&document, &["kind"]) != Some("Secret") {
                continue;
            }
            templates += 1;
            assert!(
                file.contains("template"),
                "{file}: Secrets live only in *.template.yaml"
            );
            assert!(
                !listed.contains(&file),
                "{file} must not be applied by the base"
            );
            assert!(document.get("data").is_none(), "{file}: no encoded data");
            for (key, value) in document["stringData"].as_mapping().unwrap() {
                assert_eq!(value.as_str(), Some(""), "{file}: {key:?} has a value");
            }
        }
    }
    assert!(templates >= 2, "lookout-secrets and lookout-tls templates");
}

#[test]
fn deployments_read_secrets_only_from_the_secret_reference() {
    for (name, deployment) in of_kind("Deployment") {
        let containers =
            yaml::at(&deployment, &["spec", "template", "spec", "containers"]).unwrap();
        for container in containers.as_sequence().unwrap() {
            for variable in container["env"].as_sequence().into_iter().flatten() {
                let key = yaml::str_at(variable, &["name"]).unwrap();
                if ["_PASSWORD", "_SECRET", "_KEY", "_KEYS", "_URL"]
                    .iter()
                    .any(|s| key.ends_with(s))
                    && variable.get("value").is_some()
                {
                    panic!("{name}: {key} has a literal value");
                }
            }
        }
    }
}

#[test]
fn kustomize_renders_the_base() {
    let rendered = if let Some(kustomize) = tools::find("kustomize") {
        Command::new(kustomize)
            .arg("build")
            .arg(repo::path(BASE))
            .output()
            .unwrap()
    } else {
        Command::new(tools::require(
            "kubectl",
            "rendering deploy/k8s with kustomize",
        ))
        .arg("kustomize")
        .arg(repo::path(BASE))
        .output()
        .unwrap()
    };
    assert!(
        rendered.status.success(),
        "kustomize failed:\n{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let rendered = String::from_utf8(rendered.stdout).unwrap();
    let documents = yaml::parse_all(&rendered).unwrap();
    assert_eq!(documents.len(), objects().len());
    for document in &documents {
        let kind = yaml::str_at(document, &["kind"]).unwrap();
        if kind != "Namespace" {
            assert_eq!(
                yaml::str_at(document, &["metadata", "namespace"]),
                Some("lookout"),
                "{kind}"
            );
        }
        assert_ne!(kind, "Secret", "the base must not render Secrets");
    }
    validate_against_the_kubernetes_schemas(&rendered);
}

/// Every rendered object against the API server's published schemas, strict
/// (an unknown or misspelt field fails), with kubernetes-validate from PyPI.
fn validate_against_the_kubernetes_schemas(rendered: &str) {
    let validator = tools::require(
        "kubernetes-validate",
        "validating deploy/k8s against the Kubernetes schemas",
    );
    let scratch = ScratchDir::new("k8s-schemas").unwrap();
    let file = scratch.write("rendered.yaml", rendered).unwrap();
    let output = Command::new(validator)
        .args(["--strict", "--quiet", "--kubernetes-version", "1.31"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "deploy/k8s does not match the Kubernetes schemas:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
