#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a failed test with its message.

use netguard::{GuardError, MAX_URL_LENGTH, Policy, UrlError, check_url, parse_url};

#[test]
fn every_ipv4_notation_is_normalised_to_the_canonical_address() {
    let cases = [
        ("http://2130706433/", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1"),
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://0x7f000001/", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1"),
        ("http://127.0.1/", "127.0.0.1"),
        ("http://017700000001/", "127.0.0.1"),
        ("http://127.0.0.1./", "127.0.0.1"),
        ("http://0/", "0.0.0.0"),
        ("https://0xA9.0xFE.0xA9.0xFE/latest/", "169.254.169.254"),
        ("http://%31%32%37.0.0.1/", "127.0.0.1"),
        ("http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"),
        ("http://[0:0:0:0:0:ffff:7f00:1]/", "[::ffff:7f00:1]"),
    ];
    for (input, host) in cases {
        let url = parse_url(input).unwrap();
        assert_eq!(url.host_str(), Some(host), "{input}");
    }
}

#[tokio::test]
async fn every_notation_of_a_forbidden_address_is_refused() {
    let policy = Policy::strict();
    for input in [
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://127.0.0.1./",
        "http://0/",
        "http://0xA9.0xFE.0xA9.0xFE/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]:8080/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:a00:1::]/",
        "http://10.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
    ] {
        let url = parse_url(input).unwrap();
        let err = check_url(&policy, &url).await.unwrap_err();
        assert!(err.is_forbidden(), "{input}: {err}");
    }
}

#[test]
fn only_http_and_https_are_accepted() {
    for input in [
        "file:///etc/passwd",
        "ftp://example.com/",
        "gopher://127.0.0.1:6379/_INFO",
        "javascript:alert(1)",
        "data:text/html,hi",
    ] {
        assert!(
            matches!(parse_url(input), Err(UrlError::UnsupportedScheme(_))),
            "{input}"
        );
    }
    assert!(parse_url("https://example.com/a?b=c#d").is_ok());
    assert!(parse_url("HTTP://EXAMPLE.com").is_ok());
}

#[test]
fn urls_with_credentials_are_refused() {
    assert_eq!(
        parse_url("http://user:pass@example.com/"),
        Err(UrlError::Credentials)
    );
    assert_eq!(
        parse_url("http://user@example.com/"),
        Err(UrlError::Credentials)
    );
}

#[test]
fn relative_empty_and_hostless_urls_are_refused() {
    assert_eq!(parse_url("   "), Err(UrlError::Empty));
    assert!(matches!(parse_url("/relative"), Err(UrlError::Invalid(_))));
    assert!(matches!(
        parse_url("example.com"),
        Err(UrlError::Invalid(_))
    ));
    assert!(parse_url("http://:80/").is_err());
}

#[test]
fn overlong_urls_are_refused() {
    let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LENGTH));
    assert_eq!(
        parse_url(&long),
        Err(UrlError::TooLong {
            max: MAX_URL_LENGTH
        })
    );
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused() {
    let url = parse_url("http://localhost:8080/").unwrap();
    let err = check_url(&Policy::strict(), &url).await.unwrap_err();
    assert!(matches!(err, GuardError::ForbiddenByName { .. }), "{err}");
    assert_eq!(err.to_string(), "destination localhost is not allowed");
    assert!(!err.to_string().contains("127.0.0.1") && !err.to_string().contains("::1"));
}

#[tokio::test]
async fn a_name_that_resolves_to_an_allow_listed_address_is_accepted() {
    let policy = Policy::from_allow_list("127.0.0.0/8, ::1/128").unwrap();
    let addrs = netguard::resolve_url(&policy, &parse_url("http://localhost:8080/").unwrap())
        .await
        .unwrap();
    assert!(!addrs.is_empty());
    assert!(
        addrs
            .iter()
            .all(|a| a.port() == 8080 && a.ip().is_loopback())
    );
}
