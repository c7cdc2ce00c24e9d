//! Lookout's webhook signatures against the reference verifier of the
//! Standard Webhooks project (`standardwebhooks` from PyPI), and the test
//! vectors published in the README.
//!
//! The verifier is installed by this test into a virtual environment under
//! `.local/` at the workspace root when it is not there yet: `python3` and
//! PyPI must be reachable, and a missing one fails the test rather than
//! skipping it.

#![allow(
    clippy::unwrap_used,
    reason = "tests may unwrap: a panic is a failed test with its message"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use api_proto::notify::v1::AlertKind;
use lookout_notify::domain::WebhookSecret;
use lookout_notify::webhook::signature::sign;
use serde_json::{Value, json};
use support::{Options, Receiver, TestApp, WEBHOOK_SECRET, alert, fresh_key, webhook_request};

/// Verifies or signs each case with the reference library and prints one
/// JSON result per case: `{"ok": bool, "error": str}` or `{"signature": str}`.
const VERIFIER: &str = r#"
import json, sys
from datetime import datetime, timezone
from standardwebhooks.webhooks import Webhook

results = []
for case in json.load(sys.stdin):
    hook = Webhook(case["secret"])
    if case.get("sign"):
        at = datetime.fromtimestamp(int(case["timestamp"]), tz=timezone.utc)
        results.append({"signature": hook.sign(case["id"], at, case["body"])})
        continue
    headers = {
        "webhook-id": case["id"],
        "webhook-timestamp": str(case["timestamp"]),
        "webhook-signature": case["signature"],
    }
    try:
        hook.verify(case["body"], headers)
        results.append({"ok": True, "error": ""})
    except Exception as error:
        results.append({"ok": False, "error": type(error).__name__ + ": " + str(error)})
print(json.dumps(results))
"#;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// The venv's python with `standardwebhooks` importable, installing it once.
fn reference_python() -> PathBuf {
    // The tests of this file run in parallel: one of them creates the venv
    // while the others wait, instead of two `venv` runs racing on one folder.
    static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _creating = CREATING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let venv = workspace_root().join(".local/standardwebhooks-venv");
    let python = venv.join("bin/python");
    let importable = |python: &Path| {
        Command::new(python)
            .args(["-c", "import standardwebhooks"])
            .status()
            .is_ok_and(|status| status.success())
    };
    if python.exists() && importable(&python) {
        return python;
    }
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 is needed to run the Standard Webhooks reference verifier");
    assert!(
        created.success(),
        "python3 -m venv {} failed",
        venv.display()
    );
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "standardwebhooks"])
        .status()
        .unwrap();
    assert!(
        installed.success(),
        "pip install standardwebhooks failed: PyPI must be reachable"
    );
    assert!(importable(&python), "standardwebhooks is not importable");
    python
}

fn run_reference(cases: &Value) -> Vec<Value> {
    use std::io::Write as _;
    let mut child = Command::new(reference_python())
        .args(["-c", VERIFIER])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(cases.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the reference verifier failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The rows of the README's test-vector table: secret, id, timestamp, body, signature.
fn readme_vectors() -> Vec<[String; 5]> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- standard-webhooks-vectors:start -->")
        .unwrap();
    let end = readme
        .find("<!-- standard-webhooks-vectors:end -->")
        .unwrap();
    readme[start..end]
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().trim_matches('`').to_owned())
                .collect();
            cells.try_into().unwrap()
        })
        .collect()
}

#[test]
fn the_published_vectors_are_what_lookout_and_the_reference_library_both_sign() {
    let vectors = readme_vectors();
    assert!(vectors.len() >= 3, "the README publishes the vectors");
    let cases: Vec<Value> = vectors
        .iter()
        .map(|[secret, id, timestamp, body, _]| {
            json!({"sign": true, "secret": secret, "id": id, "timestamp": timestamp, "body": body})
        })
        .collect();
    let reference = run_reference(&Value::Array(cases));
    for ([secret, id, timestamp, body, signature], reference) in vectors.iter().zip(reference) {
        let secret = WebhookSecret::parse(secret, "secret").unwrap();
        let ours = sign(&secret, id, timestamp.parse().unwrap(), body.as_bytes());
        assert_eq!(&ours, signature, "Lookout's signature for {id}");
        assert_eq!(
            reference["signature"], *signature,
            "the reference signature for {id}"
        );
    }
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

#[tokio::test]
async fn the_reference_verifier_accepts_a_real_delivery_and_rejects_every_forgery() {
    let receiver = Receiver::start().await;
    let app = TestApp::spawn(Options {
        smtp_url: "smtp://127.0.0.1:1".to_owned(),
        allow_networks: "127.0.0.1/32".to_owned(),
        smtp_ca_file: None,
    })
    .await;
    app.send(webhook_request(
        &fresh_key(),
        &receiver.url,
        alert(AlertKind::Triggered),
    ))
    .await
    .unwrap();
    let (headers, body) = receiver.received().remove(0);
    let header = |name: &str| headers[name].to_str().unwrap().to_owned();
    let body = String::from_utf8(body.to_vec()).unwrap();
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );

    let old = now() - i64::try_from(Duration::from_secs(600).as_secs()).unwrap();
    let secret = WebhookSecret::parse(WEBHOOK_SECRET, "secret").unwrap();
    let old_signature = sign(&secret, &id, old, body.as_bytes());
    let case = |name: &str, secret: &str, timestamp: &str, body: &str, signature: &str| json!({"name": name, "secret": secret, "id": id, "timestamp": timestamp, "body": body, "signature": signature});
    let cases = [
        (
            case(
                "the delivery as received",
                WEBHOOK_SECRET,
                &timestamp,
                &body,
                &signature,
            ),
            true,
        ),
        (
            case(
                "a wrong secret",
                "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
                &timestamp,
                &body,
                &signature,
            ),
            false,
        ),
        (
            case(
                "an old timestamp, signed",
                WEBHOOK_SECRET,
                &old.to_string(),
                &body,
                &old_signature,
            ),
            false,
        ),
        (
            case(
                "an altered body",
                WEBHOOK_SECRET,
                &timestamp,
                &body.replace("99 EUR", "9 EUR"),
                &signature,
            ),
            false,
        ),
        (
            case("an empty signature", WEBHOOK_SECRET, &timestamp, &body, ""),
            false,
        ),
        (
            case(
                "a prefix-only signature",
                WEBHOOK_SECRET,
                &timestamp,
                &body,
                "v1,",
            ),
            false,
        ),
    ];
    let results = run_reference(&Value::Array(
        cases.iter().map(|(case, _)| case.clone()).collect(),
    ));
    for ((case, accepted), result) in cases.iter().zip(results) {
        assert_eq!(
            result["ok"], *accepted,
            "{}: {}",
            case["name"], result["error"]
        );
        if !accepted {
            // Refused by the verifier's own checks, not by a crash.
            let error = result["error"].as_str().unwrap();
            assert!(
                error.starts_with("WebhookVerificationError"),
                "{}: {error}",
                case["name"]
            );
        }
    }
}
