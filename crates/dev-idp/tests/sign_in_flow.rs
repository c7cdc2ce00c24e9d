//! The whole authorization code flow over real HTTP, checked the way a
//! careful relying party checks it.
#![allow(clippy::unwrap_used, reason = "tests may unwrap")]

mod common;

use common::{AuthRequest, CLIENT_ID, REDIRECT_URI, spawn_idp};
use dev_idp::scripted::{ScriptedBrowser, SignInForm};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

#[tokio::test]
async fn discovery_describes_every_endpoint_under_the_issuer() {
    let idp = spawn_idp().await;
    let response = idp
        .http
        .get(idp.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let metadata: Value = response.json().await.unwrap();

    assert_eq!(metadata["issuer"], idp.issuer.as_str());
    assert_eq!(metadata["authorization_endpoint"], idp.url("/authorize"));
    assert_eq!(metadata["token_endpoint"], idp.url("/token"));
    assert_eq!(metadata["jwks_uri"], idp.url("/jwks"));
    assert_eq!(metadata["userinfo_endpoint"], idp.url("/userinfo"));
    assert_eq!(
        metadata["response_types_supported"],
        serde_json::json!(["code"])
    );
    assert_eq!(
        metadata["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert_eq!(
        metadata["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert_eq!(
        metadata["scopes_supported"],
        serde_json::json!(["openid", "email", "profile"])
    );
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post"])
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let claims = metadata["claims_supported"].as_array().unwrap();
    for claim in ["sub", "email", "email_verified", "name", "nonce", "hd"] {
        assert!(claims.contains(&Value::from(claim)), "{claim} missing");
    }
}

#[tokio::test]
async fn the_jwks_publishes_one_rsa_signing_key() {
    let idp = spawn_idp().await;
    let jwks: Value = idp
        .http
        .get(idp.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["kid"], idp.kid.as_str());
    assert_eq!(key["e"], "AQAB");
    // 2048 bits of modulus in unpadded base64url.
    assert_eq!(key["n"].as_str().unwrap().len(), 342);
    assert!(
        key.get("d").is_none(),
        "the private exponent must never be published"
    );
}

#[tokio::test]
async fn the_sign_in_form_is_labelled_and_says_it_is_for_development() {
    let idp = spawn_idp().await;
    let mut browser = ScriptedBrowser::new().unwrap();
    let request = AuthRequest::new();
    let mut params = request.params();
    params.push(("login_hint", "Hint@Example.com".to_owned()));
    let response = browser.open_raw(&idp.authorize_url(&params)).await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let html = response.text().await.unwrap();

    assert!(html.contains("Development sign-in — not for production"));
    assert!(html.contains(r#"<label for="email">"#));
    assert!(html.contains(r#"<label for="name">"#));
    assert!(html.contains(r#"<label for="hd">"#));
    assert!(html.contains(r#"<label for="email_verified">"#));
    assert!(html.contains(r#"name="csrf_token""#));
    assert!(
        html.contains(r#"value="hint@example.com""#),
        "login_hint prefills the email"
    );
    assert!(
        !html.contains(&request.nonce),
        "protocol values stay server-side"
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("form-action 'self' http://127.0.0.1:9"));
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
}

#[tokio::test]
async fn a_signed_in_user_gets_a_verifiable_id_token_with_every_claim() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let mut form = SignInForm::new("Ada.Lovelace@Example.com");
    form.name = Some("Ada Lovelace".to_owned());
    let code = idp.code_for(&request, &form).await;

    let response = idp.exchange(&code, &request.verifier).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let tokens: Value = response.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 600);
    assert_eq!(tokens["scope"], "openid email profile");
    let access_token = tokens["access_token"].as_str().unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();

    // Verify the signature against the published key set, as the gateway will.
    let header = jsonwebtoken::decode_header(id_token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some(idp.kid.as_str()));
    let jwks: JwkSet = idp
        .http
        .get(idp.url("/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks.find(header.kid.as_deref().unwrap()).unwrap();
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[idp.issuer.as_str()]);
    validation.set_audience(&[CLIENT_ID]);
    validation.set_required_spec_claims(&["iss", "aud", "exp", "sub", "iat"]);
    let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
        .unwrap()
        .claims;

    let sub = claims["sub"].as_str().unwrap();
    assert_eq!(sub.len(), 32);
    assert_eq!(claims["iss"], idp.issuer.as_str());
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["azp"], CLIENT_ID);
    assert_eq!(claims["nonce"], request.nonce.as_str());
    assert_eq!(claims["email"], "ada.lovelace@example.com");
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["name"], "Ada Lovelace");
    assert!(claims.get("hd").is_none());
    let iat = claims["iat"].as_u64().unwrap();
    assert_eq!(claims["exp"].as_u64().unwrap(), iat + 600);
    assert!(claims["auth_time"].as_u64().unwrap() <= iat);
    {
        use base64::Engine as _;
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(access_token.as_bytes());
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]);
        assert_eq!(claims["at_hash"], expected);
    }

    // The same person signing in again keeps the same subject.
    let again = AuthRequest::new();
    let code = idp
        .code_for(&again, &SignInForm::new("ada.lovelace@example.com"))
        .await;
    let tokens: Value = idp
        .exchange(&code, &again.verifier)
        .await
        .json()
        .await
        .unwrap();
    let claims =
        jsonwebtoken::decode::<Value>(tokens["id_token"].as_str().unwrap(), &key, &validation)
            .unwrap()
            .claims;
    assert_eq!(claims["sub"], sub);
    assert_eq!(claims["nonce"], again.nonce.as_str());
    assert!(claims.get("name").is_none(), "no name typed, no name claim");

    // The access token opens /userinfo, and only it does.
    let userinfo: Value = idp
        .http
        .get(idp.url("/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["sub"], sub);
    assert_eq!(userinfo["email"], "ada.lovelace@example.com");
    assert_eq!(userinfo["email_verified"], true);
    assert_eq!(userinfo["name"], "Ada Lovelace");
    let refused = idp
        .http
        .get(idp.url("/userinfo"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
}

#[tokio::test]
async fn client_secret_post_authenticates_as_well_as_basic() {
    let idp = spawn_idp().await;
    let request = AuthRequest::new();
    let code = idp
        .code_for(&request, &SignInForm::new("post@example.com"))
        .await;
    let response = idp
        .http
        .post(idp.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", request.verifier.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", common::CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn test_options_produce_unverified_missing_and_hosted_domain_claims() {
    let idp = spawn_idp().await;
    let claims_for = |form: SignInForm| {
        let idp = &idp;
        async move {
            let request = AuthRequest::new();
            let code = idp.code_for(&request, &form).await;
            let tokens: Value = idp
                .exchange(&code, &request.verifier)
                .await
                .json()
                .await
                .unwrap();
            let token = tokens["id_token"].as_str().unwrap();
            let payload = token.split('.').nth(1).unwrap();
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        }
    };

    let mut unverified = SignInForm::new("unverified@example.com");
    unverified.email_verified = false;
    assert_eq!(claims_for(unverified).await["email_verified"], false);

    let mut omitted = SignInForm::new("omitted@example.com");
    omitted.omit_email_verified = true;
    assert!(claims_for(omitted).await.get("email_verified").is_none());

    let mut workspace = SignInForm::new("staff@corp.example");
    workspace.hosted_domain = Some("Corp.Example".to_owned());
    assert_eq!(claims_for(workspace).await["hd"], "corp.example");
}
