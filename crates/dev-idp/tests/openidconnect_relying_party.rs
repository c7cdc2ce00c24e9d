//! The `openidconnect` crate, which the gateway uses against Google, as a
//! relying party against the development provider: if this passes, the
//! gateway's sign-in code runs unchanged in `make dev` and in tests.
#![allow(clippy::unwrap_used, reason = "tests may unwrap")]

mod common;

use common::{CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, query_value, spawn_idp};
use dev_idp::scripted::{ScriptedBrowser, SignInForm};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse as _, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse as _,
};

fn http_client() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::Client::builder()
        // OpenID Connect clients must not follow redirects (SSRF), as the crate's docs advise.
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_openidconnect_crate_signs_in_and_verifies_the_id_token() {
    let idp = spawn_idp().await;
    let http = http_client();

    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(idp.issuer.clone()).unwrap(), &http)
            .await
            .unwrap();
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(CLIENT_ID.to_owned()),
        Some(ClientSecret::new(CLIENT_SECRET.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".to_owned()))
        .add_scope(Scope::new("profile".to_owned()))
        .set_pkce_challenge(challenge)
        .url();

    let mut form = SignInForm::new("grace@example.com");
    form.name = Some("Grace Hopper".to_owned());
    let back = ScriptedBrowser::new()
        .unwrap()
        .sign_in(auth_url.as_str(), &form)
        .await
        .unwrap();
    assert_eq!(
        query_value(&back, "state").as_deref(),
        Some(state.secret().as_str())
    );
    let code = query_value(&back, "code").unwrap();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let id_token = tokens.id_token().unwrap();
    let verifier = client.id_token_verifier();
    let claims = id_token.claims(&verifier, &nonce).unwrap();

    assert_eq!(claims.issuer().as_str(), idp.issuer);
    assert_eq!(claims.audiences()[0].as_str(), CLIENT_ID);
    assert_eq!(claims.email().unwrap().as_str(), "grace@example.com");
    assert_eq!(claims.email_verified(), Some(true));
    assert_eq!(
        claims.name().unwrap().get(None).unwrap().as_str(),
        "Grace Hopper"
    );
    let expected_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected_hash));

    // A different nonce must fail verification: the replay protection the gateway relies on.
    assert!(
        id_token
            .claims(&verifier, &Nonce::new("other".to_owned()))
            .is_err()
    );

    let userinfo: CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(userinfo.email().unwrap().as_str(), "grace@example.com");
}
