//! Email delivery through a real SMTP server (the test sink), end to end over gRPC.

#![allow(
    clippy::unwrap_used,
    reason = "tests may unwrap: a panic is a failed test with its message"
)]

mod support;

use std::time::Duration;

use api_proto::notify::v1::{AlertKind, DeliveryStatus};
use api_proto::notify::v1::{EmailTarget, channel};
use support::{TestApp, alert, digest_request, email_request, fresh_key, triggered_alert_to_ada};
use test_support::smtp::{ReceivedMessage, Security, SmtpSink};
use test_support::tls::TestCa;
use tonic::Code;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_triggered_alert_arrives_as_an_email_with_both_parts_the_diff_and_the_link() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let key = fresh_key();

    let response = app
        .send(email_request(
            &key,
            "ada@example.com",
            alert(AlertKind::Triggered),
        ))
        .await
        .unwrap();

    assert_eq!(response.status(), DeliveryStatus::Sent);
    let messages = sink.wait_for_messages(1, WAIT).await;
    let email = &messages[0];
    assert_eq!(email.rcpt_to, vec!["ada@example.com".to_owned()]);
    assert_eq!(email.mail_from, "alerts@lookout.test");
    assert_eq!(
        email.subject(),
        "[Lookout] Espresso <b>machine</b> & grinder: Price dropped to 99 EUR"
    );
    assert_eq!(
        response.message_id,
        format!("<{}>", email.message_id().unwrap())
    );
    assert_eq!(
        email.header("X-Lookout-Monitor").as_deref(),
        Some("0193a5b2-monitor")
    );
    assert_eq!(
        email.header("X-Lookout-Check").as_deref(),
        Some("0193a5b2-check")
    );

    let text = email.text();
    assert!(text.contains("Price dropped to 99 EUR"), "{text}");
    assert!(
        text.contains("The page shows <price>99 EUR</price>, below 100."),
        "{text}"
    );
    assert!(
        text.contains("tell me when the price drops below 100 EUR"),
        "{text}"
    );
    assert!(text.contains("+Price: 99 EUR"), "{text}");
    assert!(
        text.contains("https://lookout.test/monitors/0193a5b2-monitor/checks/0193a5b2-check"),
        "{text}"
    );

    assert!(email.has_html_part());
    let html = email.html();
    assert!(
        html.contains("Espresso &#60;b&#62;machine&#60;/b&#62; &#38; grinder"),
        "{html}"
    );
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("<pre"), "{html}");
    assert!(
        html.contains(
            "href=\"https://lookout.test/monitors/0193a5b2-monitor/checks/0193a5b2-check\""
        ),
        "{html}"
    );
}

#[tokio::test]
async fn failing_recovered_and_test_alerts_get_their_own_subjects() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    for kind in [AlertKind::Failing, AlertKind::Recovered, AlertKind::Test] {
        let request = email_request(&fresh_key(), "ada@example.com", alert(kind));
        app.send(request).await.unwrap();
    }

    let subjects: Vec<String> = sink
        .wait_for_messages(3, WAIT)
        .await
        .iter()
        .map(|message| message.subject())
        .collect();
    let name = "Espresso <b>machine</b> & grinder";
    assert!(subjects.contains(&format!(
        "[Lookout] {name} is failing: Price dropped to 99 EUR"
    )));
    assert!(subjects.contains(&format!("[Lookout] {name} recovered")));
    assert!(subjects.contains(&format!("[Lookout] Test notification for {name}")));
}

#[tokio::test]
async fn sending_twice_with_the_same_key_delivers_one_email_and_answers_duplicate() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let key = fresh_key();
    let request = email_request(&key, "ada@example.com", alert(AlertKind::Triggered));

    let first = app.send(request.clone()).await.unwrap();
    let second = app.send(request).await.unwrap();

    assert_eq!(first.status(), DeliveryStatus::Sent);
    assert_eq!(second.status(), DeliveryStatus::Duplicate);
    assert_eq!(second.message_id, first.message_id);
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn concurrent_sends_with_the_same_key_deliver_exactly_one_email() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let request = triggered_alert_to_ada();

    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let mut client = app.client.clone();
            let request = request.clone();
            tokio::spawn(async move { client.send(request).await.map(tonic::Response::into_inner) })
        })
        .collect();
    let mut results = Vec::new();
    for attempt in attempts {
        results.push(attempt.await.unwrap());
    }

    let sent = results
        .iter()
        .filter(
            |result| matches!(result, Ok(response) if response.status() == DeliveryStatus::Sent),
        )
        .count();
    assert_eq!(sent, 1, "{results:?}");
    for result in &results {
        match result {
            Ok(response) => assert_ne!(response.status(), DeliveryStatus::Unspecified),
            Err(status) => assert_eq!(status.code(), Code::Unavailable, "{status:?}"),
        }
    }
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn invalid_addresses_and_empty_keys_are_refused_with_the_field_name() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;

    for address in [
        "not-an-address",
        "Eve <eve@example.com>",
        "eve@example.com\r\nBcc: victim@example.com",
    ] {
        let request = email_request(&fresh_key(), address, alert(AlertKind::Triggered));
        let status = app.send(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{address:?}");
        assert!(
            status.message().contains("channel.email.address"),
            "{}",
            status.message()
        );
    }

    let request = email_request("", "ada@example.com", alert(AlertKind::Triggered));
    let status = app.send(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("idempotency_key"));
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn when_the_mail_server_is_down_the_answer_is_unavailable_and_a_retry_sends() {
    // A port nobody listens on yet: the service is configured before the server exists.
    let port = {
        let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        reserved.local_addr().unwrap().port()
    };
    let app = TestApp::spawn(support::Options {
        smtp_url: format!("smtp://user:hunter2-password@127.0.0.1:{port}"),
        allow_networks: String::new(),
        smtp_ca_file: None,
    })
    .await;
    let request = triggered_alert_to_ada();

    let status = app.send(request.clone()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(
        !status.message().contains("hunter2"),
        "{}",
        status.message()
    );
    assert!(!status.message().contains("user:"), "{}", status.message());

    let sink = SmtpSink::start_on_port(port).await;
    // The sink offers no AUTH, so use a service without credentials for the retry.
    let app = TestApp::with_sink(&sink).await;
    let retried = app.send(request).await.unwrap();
    assert_eq!(retried.status(), DeliveryStatus::Sent);
    assert_eq!(sink.wait_for_messages(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn a_permanent_refusal_by_the_mail_server_is_a_failed_precondition() {
    let sink = SmtpSink::start().await;
    sink.reply_to_recipients(Some("550 5.1.1 mailbox unavailable"));
    let app = TestApp::with_sink(&sink).await;
    let request = email_request(
        &fresh_key(),
        "gone@example.com",
        alert(AlertKind::Triggered),
    );

    let status = app.send(request.clone()).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");

    // The key was freed: once the mailbox works again, the same key delivers.
    sink.reply_to_recipients(None);
    assert_eq!(
        app.send(request).await.unwrap().status(),
        DeliveryStatus::Sent
    );
}

#[tokio::test]
async fn calls_without_the_internal_key_are_unauthenticated() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{}", app.port))
        .unwrap()
        .connect_lazy();
    let mut client = api_proto::notify::v1::notifier_client::NotifierClient::new(channel);

    let request = triggered_alert_to_ada();
    let status = client.send(request).await.unwrap_err();

    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn the_gateway_may_send_a_channel_test() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let channel = mesh::client::connect_lazy(
        &format!("http://127.0.0.1:{}", app.port),
        &secrecy::SecretString::from(support::GATEWAY_KEY),
        std::time::Duration::from_secs(30),
        None,
    )
    .unwrap();
    let mut client = api_proto::notify::v1::notifier_client::NotifierClient::new(channel);

    let response = client.send(triggered_alert_to_ada()).await.unwrap();

    assert_eq!(response.into_inner().status(), DeliveryStatus::Sent);
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_key_held_by_another_attempt_is_answered_with_retry_later_and_nothing_is_sent() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let key = fresh_key();
    let redis = redis::Client::open(test_support::redis::url().await).unwrap();
    let mut connection = redis.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("SET")
        .arg(format!("notify:idem:{key}"))
        .arg("sending")
        .arg("EX")
        .arg(60)
        .query_async::<()>(&mut connection)
        .await
        .unwrap();

    let request = email_request(&key, "ada@example.com", alert(AlertKind::Triggered));
    let status = app.send(request).await.unwrap_err();

    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(status.message(), "delivery in progress, retry later");
    assert_eq!(
        status.metadata().get("lookout-unavailable").unwrap(),
        "in-flight",
        "the scheduler must not count this against the receiver"
    );
    assert!(sink.messages().is_empty());
}

/// The alert arrived intact: envelope, subject and body survived the TLS layer.
fn assert_is_the_triggered_alert(email: &ReceivedMessage) {
    assert_eq!(email.rcpt_to, vec!["ada@example.com".to_owned()]);
    assert_eq!(email.mail_from, "alerts@lookout.test");
    assert_eq!(
        email.subject(),
        "[Lookout] Espresso <b>machine</b> & grinder: Price dropped to 99 EUR"
    );
    let text = email.text();
    assert!(text.contains("+Price: 99 EUR"), "{text}");
}

/// Sends a triggered alert through notify configured with `sink`'s URL and
/// trusting `ca`, and checks it arrived intact after exactly one handshake.
async fn delivers_the_alert_over_tls(sink: &SmtpSink, ca: &TestCa, security: Security) {
    let app = TestApp::with_tls_sink(sink, Some(ca)).await;

    let response = app.send(triggered_alert_to_ada()).await.unwrap();

    assert_eq!(response.status(), DeliveryStatus::Sent);
    let messages = sink.wait_for_messages(1, WAIT).await;
    assert_eq!(messages[0].security, security);
    assert_eq!(sink.tls_handshakes(), 1);
    assert_is_the_triggered_alert(&messages[0]);
}

#[tokio::test]
async fn tls_required_upgrades_with_starttls_and_trusts_the_private_ca_of_smtp_ca_file() {
    let ca = TestCa::generate();
    let sink = SmtpSink::start_starttls(&ca).await;
    assert!(
        sink.url().starts_with("smtp://localhost:"),
        "{}",
        sink.url()
    );
    assert!(sink.url().ends_with("?tls=required"), "{}", sink.url());
    delivers_the_alert_over_tls(&sink, &ca, Security::StartTls).await;
}

#[tokio::test]
async fn opportunistic_tls_upgrades_when_the_server_offers_starttls() {
    let ca = TestCa::generate();
    let sink = SmtpSink::start_starttls(&ca).await;
    let app = TestApp::spawn(support::Options {
        smtp_url: format!("smtp://localhost:{}?tls=opportunistic", sink.port()),
        allow_networks: String::new(),
        smtp_ca_file: Some(ca.ca_file()),
    })
    .await;

    let request = triggered_alert_to_ada();
    assert_eq!(
        app.send(request).await.unwrap().status(),
        DeliveryStatus::Sent
    );
    let messages = sink.wait_for_messages(1, WAIT).await;
    assert_eq!(messages[0].security, Security::StartTls);
}

#[tokio::test]
async fn smtps_speaks_tls_from_the_first_byte() {
    let ca = TestCa::generate();
    let sink = SmtpSink::start_implicit_tls(&ca).await;
    assert!(
        sink.url().starts_with("smtps://localhost:"),
        "{}",
        sink.url()
    );
    delivers_the_alert_over_tls(&sink, &ca, Security::ImplicitTls).await;
}

#[tokio::test]
async fn tls_required_against_a_server_without_starttls_sends_nothing_and_says_why() {
    // The plain sink never advertises STARTTLS, like a relay stripped by an attacker.
    let sink = SmtpSink::start().await;
    let ca = TestCa::generate();
    let app = TestApp::spawn(support::Options {
        smtp_url: format!("smtp://localhost:{}?tls=required", sink.port()),
        allow_networks: String::new(),
        smtp_ca_file: Some(ca.ca_file()),
    })
    .await;
    let request = triggered_alert_to_ada();

    let status = app.send(request).await.unwrap_err();

    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status.message().contains("STARTTLS"),
        "{}",
        status.message()
    );
    assert!(
        status.message().contains("localhost"),
        "{}",
        status.message()
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_is_refused_and_nothing_is_sent() {
    let ca = TestCa::generate();
    let another_ca = TestCa::generate();
    let starttls = SmtpSink::start_starttls(&ca).await;
    let implicit = SmtpSink::start_implicit_tls(&ca).await;

    // Without SMTP_CA_FILE only public roots count; trusting some other
    // private CA must not help either.
    for sink in [&starttls, &implicit] {
        for trusted in [None, Some(&another_ca)] {
            let app = TestApp::with_tls_sink(sink, trusted).await;
            let request = triggered_alert_to_ada();

            let status = app.send(request).await.unwrap_err();

            let message = status.message();
            assert_eq!(status.code(), Code::Unavailable, "{status:?}");
            assert!(
                message.contains("TLS with the mail server localhost failed"),
                "{message}"
            );
            assert!(message.contains("certificate"), "{message}");
        }
        assert!(sink.messages().is_empty());
        assert_eq!(sink.tls_handshakes(), 0);
    }
}

#[tokio::test]
async fn emails_one_after_another_share_one_pooled_smtp_connection() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    for _ in 0..5 {
        let request = email_request(&fresh_key(), "ada@example.com", alert(AlertKind::Triggered));
        app.send(request).await.unwrap();
    }
    sink.wait_for_messages(5, WAIT).await;
    assert_eq!(sink.connections(), 1, "the connection is reused");
}

#[tokio::test]
async fn an_alert_that_can_be_rated_offers_both_one_click_links_in_both_parts() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let mut rated = alert(AlertKind::Triggered);
    rated.rate_useful_url = "https://lookout.test/api/v1/ratings/useful.token".into();
    rated.rate_noise_url = "https://lookout.test/api/v1/ratings/noise.token".into();

    app.send(email_request(&fresh_key(), "ada@example.com", rated))
        .await
        .unwrap();

    let messages = sink.wait_for_messages(1, WAIT).await;
    let text = messages[0].text();
    assert!(
        text.contains("Useful: https://lookout.test/api/v1/ratings/useful.token"),
        "{text}"
    );
    assert!(
        text.contains("Noise:  https://lookout.test/api/v1/ratings/noise.token"),
        "{text}"
    );
    let html = messages[0].html();
    assert!(
        html.contains("<a href=\"https://lookout.test/api/v1/ratings/noise.token\">Noise</a>"),
        "{html}"
    );
}

#[tokio::test]
async fn a_rating_link_that_is_not_an_http_url_is_refused() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let mut rated = alert(AlertKind::Triggered);
    rated.rate_useful_url = "javascript:alert(1)".into();
    rated.rate_noise_url = "https://lookout.test/api/v1/ratings/noise.token".into();

    let status = app
        .send(email_request(&fresh_key(), "ada@example.com", rated))
        .await
        .unwrap_err();

    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("rate_useful_url"), "{status:?}");
}

const UNSUBSCRIBE: &str = "https://lookout.test/api/v1/channels/unsubscribe/tok.en";

#[tokio::test]
async fn an_alert_email_offers_one_click_unsubscribe_in_its_headers_and_footer() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let mut request = triggered_alert_to_ada();
    request.unsubscribe_url = UNSUBSCRIBE.to_owned();
    app.send(request).await.unwrap();

    let email = &sink.wait_for_messages(1, WAIT).await[0];
    assert_eq!(
        email.header("List-Unsubscribe").as_deref(),
        Some(format!("<{UNSUBSCRIBE}>").as_str())
    );
    assert_eq!(
        email.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(
        email
            .text()
            .contains(&format!("Unsubscribe from this channel: {UNSUBSCRIBE}"))
    );
    assert!(email.html().contains(&format!("href=\"{UNSUBSCRIBE}\"")));
}

#[tokio::test]
async fn a_test_email_carries_a_sample_alert_and_no_empty_monitor_headers() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let mut sample = alert(AlertKind::Test);
    sample.link = "https://lookout.test/channels?test=1".into();
    app.send(email_request(&fresh_key(), "ada@example.com", sample))
        .await
        .unwrap();

    let email = &sink.wait_for_messages(1, WAIT).await[0];
    assert_eq!(email.header("X-Lookout-Monitor"), None);
    assert_eq!(email.header("X-Lookout-Check"), None);
    assert_eq!(
        email.header("List-Unsubscribe"),
        None,
        "a test belongs to no alert stream"
    );
    let text = email.text();
    assert!(text.contains("Price dropped to 99 EUR"), "{text}");
    assert!(text.contains("+Price: 99 EUR"), "{text}");
    assert!(
        text.contains("https://lookout.test/channels?test=1"),
        "{text}"
    );
}

#[tokio::test]
async fn a_digest_is_one_email_listing_every_alert_with_its_links() {
    let sink = SmtpSink::start().await;
    let app = TestApp::with_sink(&sink).await;
    let key = fresh_key();
    let mut request = digest_request(
        &key,
        channel::Target::Email(EmailTarget {
            address: "ada@example.com".into(),
        }),
    );
    request.unsubscribe_url = UNSUBSCRIBE.to_owned();
    let first = app.send(request.clone()).await.unwrap();
    // A retry of the same digest is the same message, never a second one.
    let again = app.send(request).await.unwrap();
    assert_eq!(again.status(), DeliveryStatus::Duplicate);
    assert_eq!(again.message_id, first.message_id);

    let messages = sink.wait_for_messages(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.messages().len(), 1);
    let email = &messages[0];
    assert_eq!(email.subject(), "[Lookout] Hourly digest: 2 alerts");
    assert_eq!(
        format!("<{}>", email.message_id().unwrap()),
        first.message_id
    );
    assert_eq!(
        email.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let text = email.text();
    assert!(
        text.contains("* Espresso <b>machine</b> & grinder: condition met"),
        "{text}"
    );
    assert!(text.contains("* Blog is failing"), "{text}");
    assert!(
        text.contains("https://lookout.test/monitors/0193a5b2-monitor/checks/0193a5b2-check#diff"),
        "{text}"
    );
    assert!(
        text.contains("https://lookout.test/monitors/0193a5b2-blog/checks/0193a5b2-gone"),
        "{text}"
    );
    let html = email.html();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(
        html.contains("<title>[Lookout] Hourly digest: 2 alerts</title>"),
        "{html}"
    );
    assert!(
        html.contains("Espresso &#60;b&#62;machine&#60;/b&#62; &#38; grinder"),
        "{html}"
    );
    assert!(
        html.contains("href=\"https://lookout.test/monitors/0193a5b2-blog/checks/0193a5b2-gone\""),
        "{html}"
    );
}
