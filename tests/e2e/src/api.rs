//! The gateway's REST API as one signed-in user calls it.

#![allow(clippy::unwrap_used, reason = "a failed step fails the test")]

use std::time::Duration;

use serde_json::{Value, json};

use crate::mesh::Mesh;

/// Generous: the machine is shared and a check crosses four processes.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(45);

/// A user's client of the gateway's API.
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Api {
    /// The mesh's gateway, called by a user signed in as `email`.
    pub async fn signed_in(mesh: &Mesh, email: &str) -> Self {
        Self {
            base: mesh.gateway_url.clone(),
            token: mesh.token_for(email).await,
            http: reqwest::Client::new(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A POST that must succeed; the body of its answer.
    pub async fn created(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.post(path, body).await;
        assert!((200..300).contains(&status), "{path}: {status} {answer}");
        answer
    }

    pub async fn checks(&self, monitor_id: &str) -> Vec<Value> {
        let (status, body) = self
            .get(&format!("/api/v1/monitors/{monitor_id}/checks"))
            .await;
        assert_eq!(status, 200, "{body}");
        body["items"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until the monitor has `count` checks and returns them, newest first.
    pub async fn wait_for_checks(&self, mesh: &Mesh, monitor_id: &str, count: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + CHECK_TIMEOUT;
        loop {
            let checks = self.checks(monitor_id).await;
            if checks.len() >= count {
                return checks;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} checks, have {}: {checks:#?}\n{}",
                checks.len(),
                mesh.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn run_now(&self, monitor_id: &str) {
        let (status, body) = self
            .post(&format!("/api/v1/monitors/{monitor_id}/check"), json!({}))
            .await;
        assert_eq!(status, 202, "{body}");
    }
}
