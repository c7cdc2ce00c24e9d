//! A scripted browser for tests: opens an authorization URL, fills in the
//! sign-in form and returns where the provider redirects back to. Other
//! crates (the gateway's sign-in tests) enable feature `scripted-sign-in`.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum ScriptedError {
    #[error("HTTP request failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("{0} is not a valid URL")]
    InvalidUrl(String),
    #[error("expected the sign-in form, got status {status}: {body}")]
    NoForm { status: StatusCode, body: String },
    #[error("expected a redirect back to the client, got status {status}: {body}")]
    NoRedirect { status: StatusCode, body: String },
}

/// What to type into the form. `new` gives a verified address and no extras.
#[derive(Debug, Clone)]
pub struct SignInForm {
    pub email: String,
    pub name: Option<String>,
    pub email_verified: bool,
    /// Leaves the `email_verified` claim out entirely.
    pub omit_email_verified: bool,
    pub hosted_domain: Option<String>,
    /// Presses "Cancel" instead of "Sign in".
    pub deny: bool,
}

impl SignInForm {
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            name: None,
            email_verified: true,
            omit_email_verified: false,
            hosted_domain: None,
            deny: false,
        }
    }
}

/// A rendered sign-in form.
#[derive(Debug, Clone)]
pub struct OpenedForm {
    pub action: Url,
    pub csrf_token: String,
    pub html: String,
}

/// One browser: keeps the provider's cookie between opening and submitting.
#[derive(Debug, Clone)]
pub struct ScriptedBrowser {
    client: reqwest::Client,
    cookie: Option<String>,
}

impl ScriptedBrowser {
    pub fn new() -> Result<Self, ScriptedError> {
        let client = reqwest::Client::builder()
            // Redirects are the result being tested, so they are returned, not followed.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            client,
            cookie: None,
        })
    }

    /// Opens the authorization URL and expects the form (status 200).
    pub async fn open(&mut self, authorize_url: &str) -> Result<OpenedForm, ScriptedError> {
        let response = self.open_raw(authorize_url).await?;
        let status = response.status();
        let body = response.text().await?;
        let csrf_token = match (status, hidden_value(&body, "csrf_token")) {
            (StatusCode::OK, Some(token)) => token,
            _ => return Err(ScriptedError::NoForm { status, body }),
        };
        let mut action = Url::parse(authorize_url)
            .map_err(|_| ScriptedError::InvalidUrl(authorize_url.to_owned()))?;
        action.set_query(None);
        Ok(OpenedForm {
            action,
            csrf_token,
            html: body,
        })
    }

    /// Opens the authorization URL and returns whatever came back (an error page or redirect).
    pub async fn open_raw(
        &mut self,
        authorize_url: &str,
    ) -> Result<reqwest::Response, ScriptedError> {
        let mut request = self.client.get(authorize_url);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await?;
        if let Some(cookie) = response
            .headers()
            .get(SET_COOKIE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
        {
            self.cookie = Some(cookie.to_owned());
        }
        Ok(response)
    }

    /// Submits the form and returns the raw response.
    pub async fn submit(
        &self,
        form: &OpenedForm,
        input: &SignInForm,
    ) -> Result<reqwest::Response, ScriptedError> {
        let mut fields = vec![
            ("csrf_token", form.csrf_token.clone()),
            ("email", input.email.clone()),
            ("name", input.name.clone().unwrap_or_default()),
            ("hd", input.hosted_domain.clone().unwrap_or_default()),
            (
                "decision",
                if input.deny { "deny" } else { "allow" }.to_owned(),
            ),
        ];
        if input.email_verified {
            fields.push(("email_verified", "true".to_owned()));
        }
        if input.omit_email_verified {
            fields.push(("omit_email_verified", "true".to_owned()));
        }
        let mut request = self.client.post(form.action.clone()).form(&fields);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        Ok(request.send().await?)
    }

    /// Opens, fills in and submits the form; returns the redirect back to the
    /// client (with `code` and `state`, or `error`).
    pub async fn sign_in(
        &mut self,
        authorize_url: &str,
        input: &SignInForm,
    ) -> Result<Url, ScriptedError> {
        let form = self.open(authorize_url).await?;
        let response = self.submit(&form, input).await?;
        redirect_location(response).await
    }
}

/// The `Location` of a 302, or an error with the body for the test's message.
pub async fn redirect_location(response: reqwest::Response) -> Result<Url, ScriptedError> {
    let status = response.status();
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    match (status, location) {
        (StatusCode::FOUND, Some(location)) => {
            Url::parse(&location).map_err(|_| ScriptedError::InvalidUrl(location))
        }
        _ => Err(ScriptedError::NoRedirect {
            status,
            body: response.text().await.unwrap_or_default(),
        }),
    }
}

/// The value of `<input type="hidden" name="{name}" value="...">` in the page.
fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}
