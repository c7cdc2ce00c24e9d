//! The HTML a person sees: the sign-in form and the error page.

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

/// Everything the sign-in form shows; all strings are escaped on output.
pub struct SignInPage<'a> {
    pub action: &'a str,
    pub client_id: &'a str,
    pub csrf_token: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub hosted_domain: &'a str,
    pub error: Option<&'a str>,
    /// Origin of the redirect URI: browsers apply `form-action` to the
    /// redirect that follows the submission too.
    pub redirect_origin: &'a str,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}\
main{max-width:28rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}\
.banner{background:#fff3cd;border:2px solid #8a6d00;color:#3d3000;padding:.75rem;border-radius:6px;margin-bottom:1rem}\
label{display:block;margin-top:.9rem;font-weight:600}\
input[type=email],input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #555;border-radius:4px}\
fieldset{margin-top:1rem;border:1px solid #999;border-radius:4px}\
.check{display:flex;gap:.5rem;align-items:center;margin-top:.5rem}.check label{margin:0;font-weight:400}\
.hint{font-size:.9rem;color:#444;margin:.25rem 0 0}\
.error{color:#8b0000;font-weight:600}\
.actions{margin-top:1.25rem;display:flex;gap:.75rem}\
button{font-size:1rem;padding:.5rem 1rem;border-radius:4px;border:1px solid #1b1f24;cursor:pointer}\
button[value=allow]{background:#1b4fd8;color:#fff;border-color:#1b4fd8}\
:focus-visible{outline:3px solid #1b4fd8;outline-offset:2px}";

pub fn sign_in(page: &SignInPage<'_>) -> Response {
    let error = page.error.map_or_else(String::new, |message| {
        format!(
            "<p class=\"error\" role=\"alert\" id=\"form-error\">{}</p>",
            escape(message)
        )
    });
    let described_by = if page.error.is_some() {
        " aria-describedby=\"form-error\" aria-invalid=\"true\""
    } else {
        ""
    };
    let body = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — Lookout development identity provider</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<div class="banner" role="note"><strong>Development sign-in — not for production.</strong> Any email address is accepted without a password.</div>
<h1>Sign in to {client_id}</h1>
{error}
<form method="post" action="{action}">
<input type="hidden" name="csrf_token" value="{csrf_token}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus value="{email}"{described_by}>
<label for="name">Name (optional)</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="100" value="{name}">
<fieldset>
<legend>Test options</legend>
<div class="check"><input id="email_verified" name="email_verified" type="checkbox" value="true" checked><label for="email_verified">Email address is verified (<code>email_verified</code> true)</label></div>
<div class="check"><input id="omit_email_verified" name="omit_email_verified" type="checkbox" value="true"><label for="omit_email_verified">Leave the <code>email_verified</code> claim out</label></div>
<label for="hd">Hosted domain (optional)</label>
<input id="hd" name="hd" type="text" value="{hosted_domain}" aria-describedby="hd-hint">
<p class="hint" id="hd-hint">Sets the <code>hd</code> claim, like a Google Workspace account.</p>
</fieldset>
<div class="actions">
<button type="submit" name="decision" value="allow">Sign in</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</div>
</form>
</main>
</body>
</html>
"#,
        client_id = escape(page.client_id),
        action = escape(page.action),
        csrf_token = escape(page.csrf_token),
        email = escape(page.email),
        name = escape(page.name),
        hosted_domain = escape(page.hosted_domain),
    );
    let form_action = format!("'self' {}", page.redirect_origin);
    with_security_headers(Html(body).into_response(), &form_action)
}

pub fn error_page(message: &str) -> Response {
    let body = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in error — Lookout development identity provider</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<div class="banner" role="note"><strong>Development sign-in — not for production.</strong></div>
<h1>This sign-in request cannot continue</h1>
<p class="error" role="alert">{message}</p>
<p>Go back to the application and start signing in again.</p>
</main>
</body>
</html>
"#,
        message = escape(message),
    );
    with_security_headers(Html(body).into_response(), "'none'")
}

/// The page must not be framed (clickjacking a one-click sign-in), cached or
/// leak the query (state, nonce) through the referrer.
fn with_security_headers(mut response: Response, form_action: &str) -> Response {
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex"),
    );
    response
}

pub fn escape(raw: &str) -> String {
    let mut escaped = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x")</script>&'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        );
    }
}
