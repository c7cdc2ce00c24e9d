//! Every selector kind through the real gRPC service, on pages shaped like
//! the ones users watch, served by a local website the tests change.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod helpers;

use api_proto::browser::v1::{FetchOutcome, FetchRequest};
use helpers::{config, get_url, outcome, spawn_app};
use test_support::website::{Page, TestSite};

const LISTING: &str = r#"<!doctype html><html lang="en"><head><title>Espresso machines – Brewshop</title></head>
<body><header><nav><a href="/">Home</a> <a href="/cart">Cart (0)</a></nav></header>
<main><h1>Espresso machines</h1>
<ul class="grid">
  <li class="card" data-sku="EM-100"><a href="/em-100"><h2 class="card__title">Brewmaster 100</h2></a>
      <span class="price"><span class="currency">€</span>249.00</span><span class="badge">In stock</span></li>
  <li class="card card--sale" data-sku="EM-200"><a href="/em-200"><h2 class="card__title">Brewmaster 200</h2></a>
      <span class="price price--old">€399.00</span><span class="price">€329.00</span><span class="badge">Sale</span></li>
  <li class="card" data-sku="EM-300"><a href="/em-300"><h2 class="card__title">Brewmaster Pro</h2></a>
      <span class="price">€899.00</span><span class="badge">Sold out</span></li>
</ul></main><footer>© Brewshop</footer></body></html>"#;

const API: &str = r#"{"data":{"products":[
  {"sku":"EM-100","name":"Brewmaster 100","offers":[{"seller":"brewshop","price":249.0,"available":true}]},
  {"sku":"EM-200","name":"Brewmaster 200","offers":[{"seller":"brewshop","price":329.0,"available":true},{"seller":"other","price":315.5,"available":false}]},
  {"sku":"EM-300","name":"Brewmaster Pro","offers":[]}
]},"pagination":{"page":1,"pages":1}}"#;

const FEED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Brewshop releases</title>
<entry><title>Firmware 3.2: quieter grinder</title><link href="https://brewshop.example/fw/3.2"/><updated>2026-11-28T09:00:00Z</updated></entry>
<entry><title>Firmware 3.1</title><link href="https://brewshop.example/fw/3.1"/><updated>2026-09-02T09:00:00Z</updated></entry>
</feed>"#;

async fn setup() -> (helpers::TestApp, TestSite) {
    let site = TestSite::start().await;
    site.set("/machines", Page::html(LISTING));
    site.set("/api/products", Page::json(API));
    site.set(
        "/releases.atom",
        Page::with_type("application/atom+xml", FEED.as_bytes().to_vec()),
    );
    let app = spawn_app(config("127.0.0.1/32")).await;
    (app, site)
}

async fn text(app: &helpers::TestApp, request: FetchRequest) -> String {
    let response = app.fetch(request).await;
    assert_eq!(outcome(&response), FetchOutcome::Ok, "{}", response.detail);
    response.text
}

#[tokio::test]
async fn xpath_picks_prices_and_attributes_from_a_product_listing() {
    let (app, site) = setup().await;
    let url = site.url("/machines");
    let current_prices = FetchRequest {
        xpath: "//li[contains(@class,'card')]/span[@class='price']".into(),
        ..get_url(&url)
    };
    assert_eq!(
        text(&app, current_prices).await,
        "€249.00\n€329.00\n€899.00"
    );
    let sold_out = FetchRequest {
        xpath: "//li[span[@class='badge']='Sold out']/@data-sku".into(),
        ..get_url(&url)
    };
    assert_eq!(text(&app, sold_out).await, "EM-300");
    let on_sale = FetchRequest {
        xpath: "count(//li[contains(@class,'card--sale')])".into(),
        ..get_url(&url)
    };
    assert_eq!(text(&app, on_sale).await, "1");
}

#[tokio::test]
async fn json_path_and_jq_pick_from_an_api_response() {
    let (app, site) = setup().await;
    let url = site.url("/api/products");
    let available = FetchRequest {
        json_path: "$.data.products[*].offers[?@.available == true].price".into(),
        ..get_url(&url)
    };
    assert_eq!(text(&app, available).await, "249.0\n329.0");
    let cheapest = FetchRequest {
        jq_filter: "[.data.products[] | {name, price: ([.offers[].price] | min)} | select(.price != null)] | min_by(.price) | \"\\(.name): \\(.price)\"".into(),
        ..get_url(&url)
    };
    assert_eq!(text(&app, cheapest).await, "Brewmaster 100: 249.0");
}

#[tokio::test]
async fn xpath_reads_a_feed_without_namespace_prefixes() {
    let (app, site) = setup().await;
    let latest = FetchRequest {
        xpath: "/feed/entry[1]/title".into(),
        ..get_url(&site.url("/releases.atom"))
    };
    assert_eq!(text(&app, latest).await, "Firmware 3.2: quieter grinder");
}

#[tokio::test]
async fn a_selector_that_no_longer_matches_is_reported_not_compared() {
    let (app, site) = setup().await;
    let request = FetchRequest {
        xpath: "//li[@data-sku='EM-300']/span[@class='price']".into(),
        ..get_url(&site.url("/machines"))
    };
    assert_eq!(text(&app, request.clone()).await, "€899.00");
    // The shop redesigns its listing: the product is still there, the markup is not.
    site.set(
        "/machines",
        Page::html(LISTING.replace("data-sku", "data-product-id")),
    );
    let response = app.fetch(request).await;
    assert_eq!(outcome(&response), FetchOutcome::SelectorNotFound);
    assert!(response.text.is_empty());
    assert_eq!(
        response.detail,
        "the XPath expression \"//li[@data-sku='EM-300']/span[@class='price']\" matches nothing on the page"
    );
}

#[tokio::test]
async fn a_broken_or_doubled_selector_is_an_invalid_argument_naming_its_field() {
    let (app, site) = setup().await;
    let url = site.url("/api/products");
    for (request, field, words) in [
        (
            FetchRequest {
                xpath: "//li[".into(),
                ..get_url(&url)
            },
            "xpath",
            "not a valid XPath 1.0 expression",
        ),
        (
            FetchRequest {
                json_path: "$.data[".into(),
                ..get_url(&url)
            },
            "json_path",
            "not a valid JSONPath query",
        ),
        (
            FetchRequest {
                jq_filter: ".data | env".into(),
                ..get_url(&url)
            },
            "jq_filter",
            "undefined filter env",
        ),
        (
            FetchRequest {
                json_pointer: "/data".into(),
                jq_filter: ".data".into(),
                ..get_url(&url)
            },
            "jq_filter",
            "set either json_pointer or jq_filter, not both",
        ),
    ] {
        let status = app.try_fetch(request).await.unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(
            status.message().starts_with(&format!("{field}: ")) && status.message().contains(words),
            "{}",
            status.message()
        );
    }
}
