//! Telling a real change from a broken fetch: pages that answer 200 but are
//! not the content get their own outcomes, so they are never compared with
//! the last snapshot as if the page had changed.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod helpers;

use api_proto::browser::v1::{FetchOutcome, FetchRequest, FetchResponse};
use helpers::{config, get_url, outcome, spawn_app};
use test_support::website::{Page, TestSite};

const PRODUCT: &str = r#"<!doctype html><html><head><title>Brewmaster 100 – Brewshop</title></head>
<body><h1>Brewmaster 100</h1><p class="price">€249.00</p><p>In stock. Ships in 2 days.</p></body></html>"#;

const CLOUDFLARE: &str = r#"<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main">
<div class="main-content"><h1 class="zone-name-title h1">brewshop.example</h1>
<h2 id="challenge-running" class="h2">Checking if the site connection is secure</h2>
<noscript><div class="h2">Enable JavaScript and cookies to continue</div></noscript></div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: "brewshop.example",cType: 'managed'};
var cpo=document.createElement('script');cpo.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1b';
document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>"#;

const AKAMAI: &str = r#"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>
You don't have permission to access "http&#58;&#47;&#47;brewshop&#46;example&#47;p&#47;em-100" on this server.<P>
Reference&#32;&#35;18&#46;5b2c1002&#46;1732950000&#46;2a3b4c<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;5b2c1002</BODY></HTML>"#;

const DATADOME: &str = r#"<html lang="en"><head><title>brewshop.example</title></head><body style="margin:0">
<p id="cmsg">Please enable JS and disable any ad blocker</p>
<script data-cfasync="false">var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F522','t':'fe','s':45583,'host':'geo.captcha-delivery.com'}</script>
<script data-cfasync="false" src="https://ct.captcha-delivery.com/c.js"></script></body></html>"#;

const HCAPTCHA: &str = r#"<!doctype html><html><head><title>Security check</title>
<script src="https://js.hcaptcha.com/1/api.js" async defer></script></head>
<body><form method="post" action="/verify"><p>One more step</p>
<div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001"></div>
<input type="submit" value="Continue"></form></body></html>"#;

const SOFT_404: &str = r#"<!doctype html><html><head><title>Brewshop</title></head><body>
<nav><a href="/">Home</a> <a href="/machines">Machines</a></nav>
<h1>Oops! We can't find that page.</h1><p>It may have moved. Try the search.</p>
<footer>© Brewshop</footer></body></html>"#;

async fn fetch_after(site: &TestSite, app: &helpers::TestApp, page: Page) -> FetchResponse {
    site.set("/p/em-100", page);
    app.fetch(FetchRequest {
        css_selector: ".price".into(),
        ..get_url(&site.url("/p/em-100"))
    })
    .await
}

async fn setup() -> (helpers::TestApp, TestSite) {
    let site = TestSite::start().await;
    let app = spawn_app(config("127.0.0.1/32")).await;
    let first = fetch_after(&site, &app, Page::html(PRODUCT)).await;
    assert_eq!(outcome(&first), FetchOutcome::Ok, "{}", first.detail);
    assert_eq!(first.text, "€249.00");
    (app, site)
}

#[tokio::test]
async fn challenge_pages_served_with_200_are_bot_walls_naming_the_vendor() {
    let (app, site) = setup().await;
    for (page, vendor) in [
        (CLOUDFLARE, "Cloudflare"),
        (AKAMAI, "Akamai"),
        (DATADOME, "DataDome"),
        (HCAPTCHA, "hCaptcha"),
    ] {
        let response = fetch_after(&site, &app, Page::html(page)).await;
        assert_eq!(
            outcome(&response),
            FetchOutcome::BlockedByBotWall,
            "{vendor}"
        );
        assert_eq!(response.http_status, 200);
        assert!(response.text.is_empty(), "{vendor}: {}", response.text);
        assert!(
            response.detail.contains(vendor),
            "{vendor}: {}",
            response.detail
        );
    }
}

#[tokio::test]
async fn a_200_page_that_says_it_is_gone_is_a_soft_404() {
    let (app, site) = setup().await;
    let response = fetch_after(&site, &app, Page::html(SOFT_404)).await;
    assert_eq!(outcome(&response), FetchOutcome::SoftNotFound);
    assert_eq!(response.http_status, 200);
    assert!(response.text.is_empty());
    assert!(response.detail.contains("soft 404"), "{}", response.detail);
}

#[tokio::test]
async fn an_empty_page_and_a_blank_match_are_empty_results() {
    let (app, site) = setup().await;
    let shell = r#"<html><head><title>Brewshop</title><script src="/app.js"></script></head><body><div id="app"></div></body></html>"#;
    site.set("/app", Page::html(shell));
    let whole = app.fetch_url(&site.url("/app")).await;
    assert_eq!(outcome(&whole), FetchOutcome::Empty);
    assert!(
        whole.detail.contains("turn on rendering"),
        "{}",
        whole.detail
    );

    let blank_price = PRODUCT.replace("€249.00", " ");
    let response = fetch_after(&site, &app, Page::html(blank_price)).await;
    assert_eq!(outcome(&response), FetchOutcome::Empty);
    assert!(
        response.detail.contains("has no text"),
        "{}",
        response.detail
    );

    site.set("/api", Page::json(r#"{"items": []}"#));
    let none = app
        .fetch(FetchRequest {
            jq_filter: ".items[] | .price".into(),
            ..get_url(&site.url("/api"))
        })
        .await;
    assert_eq!(outcome(&none), FetchOutcome::SelectorNotFound);
}

#[tokio::test]
async fn a_real_change_is_still_text() {
    let (app, site) = setup().await;
    let cheaper = PRODUCT.replace("€249.00", "€199.00");
    let response = fetch_after(&site, &app, Page::html(cheaper)).await;
    assert_eq!(outcome(&response), FetchOutcome::Ok, "{}", response.detail);
    assert_eq!(response.text, "€199.00");
}
