//! Monitor header values at rest: sealed before they are stored, masked in
//! every response, opened only to send them (the preview's fetch).
//!
//! A client that edits a monitor sends back [`MASK`] for a value it does not
//! change; the stored value of the header with that name is kept. The mask
//! is not a valid header value (HTTP allows visible ASCII only), so it can
//! never be mistaken for a real one.

use secrecy::{ExposeSecret, SecretString};
use secret_box::{SecretBox, SecretBoxError};
use store::monitors::{
    COOKIE_PURPOSE, HEADER_PURPOSE, RenderSecrets, RequestHeader, STEP_PURPOSE, StoredStep,
};
use uuid::Uuid;

use crate::domain::reseal::{self, ResealReport, Walk};

/// What responses show instead of a header value.
pub const MASK: &str = "••••••••";

/// A header a client sent, already validated: a new value, or [`MASK`] to
/// keep the stored one.
#[derive(Clone)]
pub struct SubmittedHeader {
    pub name: String,
    pub value: Submitted,
}

#[derive(Clone)]
pub enum Submitted {
    Keep,
    New(SecretString),
}

/// A header ready to send, value in clear.
#[derive(Clone)]
pub struct OpenHeader {
    pub name: String,
    pub value: SecretString,
}

/// Why headers could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum HeaderSecretError {
    /// A masked value with no stored value to keep: a 422 on `headers`.
    #[error(
        "the value of {0} is masked but there is no stored value to keep; send the value itself"
    )]
    NothingToKeep(String),
    /// The stored value cannot be opened (key removed from `SECRETS_KEYS`,
    /// or tampered with): a 500 whose detail is logged.
    #[error("a stored value of header {name} cannot be opened: {source}")]
    Unreadable {
        name: String,
        #[source]
        source: SecretBoxError,
    },
    #[error("a header value could not be sealed: {0}")]
    Seal(#[source] SecretBoxError),
}

/// The stored header named `name` (names are stored lower-case).
fn stored<'a>(existing: &'a [RequestHeader], name: &str) -> Option<&'a RequestHeader> {
    existing.iter().find(|header| header.name == name)
}

/// The headers to store: new values sealed, kept values copied as stored
/// (never opened).
pub fn seal(
    secret_box: &SecretBox,
    submitted: Vec<SubmittedHeader>,
    existing: &[RequestHeader],
) -> Result<Vec<RequestHeader>, HeaderSecretError> {
    seal_for(secret_box, HEADER_PURPOSE, submitted, existing)
}

/// [`seal`] for pairs of another `purpose` (cookies).
pub fn seal_for(
    secret_box: &SecretBox,
    purpose: &str,
    submitted: Vec<SubmittedHeader>,
    existing: &[RequestHeader],
) -> Result<Vec<RequestHeader>, HeaderSecretError> {
    submitted
        .into_iter()
        .map(|header| match header.value {
            Submitted::New(value) => {
                RequestHeader::seal_for(secret_box, purpose, header.name, value.expose_secret())
                    .map_err(HeaderSecretError::Seal)
            }
            Submitted::Keep => stored(existing, &header.name)
                .cloned()
                .ok_or(HeaderSecretError::NothingToKeep(header.name)),
        })
        .collect()
}

/// The headers to send: new values as submitted, kept values opened.
pub fn open_submitted(
    secret_box: &SecretBox,
    submitted: Vec<SubmittedHeader>,
    existing: &[RequestHeader],
) -> Result<Vec<OpenHeader>, HeaderSecretError> {
    open_submitted_for(secret_box, HEADER_PURPOSE, submitted, existing)
}

/// [`open_submitted`] for pairs of another `purpose` (cookies).
pub fn open_submitted_for(
    secret_box: &SecretBox,
    purpose: &str,
    submitted: Vec<SubmittedHeader>,
    existing: &[RequestHeader],
) -> Result<Vec<OpenHeader>, HeaderSecretError> {
    submitted
        .into_iter()
        .map(|header| {
            let value = match header.value {
                Submitted::New(value) => value,
                Submitted::Keep => {
                    let stored = stored(existing, &header.name)
                        .ok_or_else(|| HeaderSecretError::NothingToKeep(header.name.clone()))?;
                    open_value_for(secret_box, purpose, stored)?
                }
            };
            Ok(OpenHeader {
                name: header.name,
                value,
            })
        })
        .collect()
}

/// A stored value in clear. Values stored before encryption at rest are
/// returned as they are (the gateway reseals them at start).
pub fn open_value(
    secret_box: &SecretBox,
    header: &RequestHeader,
) -> Result<SecretString, HeaderSecretError> {
    open_value_for(secret_box, HEADER_PURPOSE, header)
}

fn open_value_for(
    secret_box: &SecretBox,
    purpose: &str,
    header: &RequestHeader,
) -> Result<SecretString, HeaderSecretError> {
    header
        .open_for(secret_box, purpose)
        .map_err(|source| HeaderSecretError::Unreadable {
            name: header.name.clone(),
            source,
        })
}

/// Seals every stored header, cookie and fill value that is in clear or
/// sealed by a key other than the current one (see [`reseal`]). Run at start
/// after the migrations.
pub async fn reseal_stored(
    store: &store::Store,
    secret_box: &SecretBox,
) -> Result<ResealReport, store::StoreError> {
    let key = secret_box.current_key_id();
    let mut report = ResealReport::default();
    reseal::reseal_all(
        Walk {
            what: "monitor's cookie or step values",
            batch: async |after, limit| {
                store
                    .monitor_render_secrets_to_reseal(key, after, limit)
                    .await
            },
            cursor: |row: &RenderSecrets| row.monitor_id,
            reseal: |row: &RenderSecrets| reseal_render(secret_box, row),
            replace: async |current: &RenderSecrets, resealed: &RenderSecrets| {
                store
                    .replace_monitor_render_secrets(current, resealed)
                    .await
            },
        },
        &mut report,
    )
    .await?;
    reseal::reseal_all(
        Walk {
            what: "monitor's header values",
            batch: async |after, limit| store.monitor_headers_to_reseal(key, after, limit).await,
            cursor: |(monitor_id, _): &(Uuid, Vec<RequestHeader>)| *monitor_id,
            reseal: |(monitor_id, headers): &(Uuid, Vec<RequestHeader>)| {
                reseal_headers(secret_box, headers).map(|resealed| (*monitor_id, resealed))
            },
            replace: async |(monitor_id, current): &(Uuid, Vec<RequestHeader>),
                            (_, resealed): &(Uuid, Vec<RequestHeader>)| {
                store
                    .replace_monitor_headers(*monitor_id, current, resealed)
                    .await
            },
        },
        &mut report,
    )
    .await?;
    Ok(report)
}

fn reseal_render(
    secret_box: &SecretBox,
    current: &RenderSecrets,
) -> Result<RenderSecrets, HeaderSecretError> {
    let key = secret_box.current_key_id();
    let cookies = current
        .cookies
        .iter()
        .map(|cookie| {
            if cookie.value.is_sealed_by(key) {
                return Ok(cookie.clone());
            }
            let value = open_value_for(secret_box, COOKIE_PURPOSE, cookie)?;
            RequestHeader::seal_for(
                secret_box,
                COOKIE_PURPOSE,
                cookie.name.clone(),
                value.expose_secret(),
            )
            .map_err(HeaderSecretError::Seal)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let steps = current
        .steps
        .iter()
        .map(|step| {
            let Some(sealed) = step
                .secret
                .as_ref()
                .filter(|sealed| !sealed.starts_with(&format!("{key}:")))
            else {
                return Ok(step.clone());
            };
            let unreadable = |source| HeaderSecretError::Unreadable {
                name: format!("fill {}", step.selector.as_deref().unwrap_or_default()),
                source,
            };
            let value = secret_box.open(STEP_PURPOSE, sealed).map_err(unreadable)?;
            let resealed = secret_box
                .seal(STEP_PURPOSE, value.expose_secret())
                .map_err(HeaderSecretError::Seal)?;
            Ok(StoredStep {
                secret: Some(resealed),
                ..step.clone()
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RenderSecrets {
        monitor_id: current.monitor_id,
        cookies,
        steps,
    })
}

fn reseal_headers(
    secret_box: &SecretBox,
    headers: &[RequestHeader],
) -> Result<Vec<RequestHeader>, HeaderSecretError> {
    headers
        .iter()
        .map(|header| {
            if header.value.is_sealed_by(secret_box.current_key_id()) {
                return Ok(header.clone());
            }
            let value = open_value(secret_box, header)?;
            RequestHeader::seal(secret_box, header.name.clone(), value.expose_secret())
                .map_err(HeaderSecretError::Seal)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use store::monitors::StoredValue;

    use super::*;

    fn secret_box() -> SecretBox {
        SecretBox::parse(&format!("k1:{}", secret_box::generate_key())).unwrap()
    }

    fn new(name: &str, value: &str) -> SubmittedHeader {
        SubmittedHeader {
            name: name.to_owned(),
            value: Submitted::New(SecretString::from(value.to_owned())),
        }
    }

    fn keep(name: &str) -> SubmittedHeader {
        SubmittedHeader {
            name: name.to_owned(),
            value: Submitted::Keep,
        }
    }

    #[test]
    fn new_values_are_sealed_and_kept_values_are_copied_as_stored() {
        let secret_box = secret_box();
        let stored = seal(&secret_box, vec![new("cookie", "sid=1")], &[]).unwrap();
        let StoredValue::Sealed(sealed) = &stored[0].value else {
            panic!("stored in clear");
        };
        assert!(!sealed.contains("sid=1"));
        let edited = seal(
            &secret_box,
            vec![keep("cookie"), new("authorization", "Bearer t")],
            &stored,
        )
        .unwrap();
        assert_eq!(edited[0], stored[0]);
        let open = open_submitted(&secret_box, vec![keep("cookie")], &edited).unwrap();
        assert_eq!(open[0].value.expose_secret(), "sid=1");
    }

    #[test]
    fn a_masked_value_without_a_stored_one_is_refused() {
        let error = seal(&secret_box(), vec![keep("cookie")], &[])
            .err()
            .unwrap();
        assert!(matches!(error, HeaderSecretError::NothingToKeep(name) if name == "cookie"));
    }

    #[test]
    fn resealing_encrypts_plain_values_and_moves_old_keys_to_the_current_one() {
        let old_spec = format!("k1:{}", secret_box::generate_key());
        let old = SecretBox::parse(&old_spec).unwrap();
        let stored = vec![
            RequestHeader {
                name: "cookie".to_owned(),
                value: StoredValue::Legacy("sid=1".to_owned()),
            },
            seal(&old, vec![new("authorization", "Bearer t")], &[])
                .unwrap()
                .remove(0),
        ];
        let rotated =
            SecretBox::parse(&format!("k2:{},{old_spec}", secret_box::generate_key())).unwrap();
        let resealed = reseal_headers(&rotated, &stored).unwrap();
        assert!(
            resealed
                .iter()
                .all(|header| header.value.is_sealed_by("k2"))
        );
        let values: Vec<String> = resealed
            .iter()
            .map(|header| {
                open_value(&rotated, header)
                    .unwrap()
                    .expose_secret()
                    .to_owned()
            })
            .collect();
        assert_eq!(values, ["sid=1", "Bearer t"]);
        let stranger = secret_box();
        assert!(reseal_headers(&stranger, &resealed).is_err());
    }
}
