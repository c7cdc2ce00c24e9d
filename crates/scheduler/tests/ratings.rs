//! Alert ratings as the scheduler handles them: every alert carries signed one-click rating
//! links, and a monitor's rated alerts travel to the judge as labelled examples.

mod support;

use std::time::SystemTime;

use rating_link::{Rating, RatingLinks};
use scheduler::config::TEST_ALERT_RATING_KEY;
use secrecy::SecretString;
use support::{Verdict, spawn_app, wait_until};

#[tokio::test]
async fn alerts_carry_signed_rating_links_and_rated_alerts_reach_the_judge_as_examples() {
    let app = spawn_app().await;
    app.peers.set_verdict(Verdict::State { holds: false });
    let (monitor, _) = app.create_alerting_monitor("price below 100", "auto").await;
    assert!(
        app.peers.evaluations()[0].rated_examples.is_empty(),
        "nothing rated yet"
    );

    app.peers.set_verdict(Verdict::State { holds: true });
    app.peers.set_text("price: 90 EUR");
    let alert = app.check_now(monitor).await;
    assert!(alert.triggered);
    wait_until("the alert to be sent", || async {
        (app.peers.sends().len() == 1).then_some(())
    })
    .await;
    let sent = app.peers.sends()[0].alert.clone().unwrap();
    let links = RatingLinks::new(SecretString::from(TEST_ALERT_RATING_KEY));
    for (url, rating) in [
        (&sent.rate_useful_url, Rating::Useful),
        (&sent.rate_noise_url, Rating::Noise),
    ] {
        let token = url
            .strip_prefix("http://127.0.0.1:8080/api/v1/ratings/")
            .unwrap_or_else(|| panic!("{url}"));
        let verified = links.verify(token, SystemTime::now()).unwrap();
        assert_eq!((verified.check_id, verified.rating), (alert.id, rating));
    }

    // The owner rates the alert noise (as the gateway stores it); the next change is judged
    // with it as a labelled example.
    app.db
        .execute(
            "INSERT INTO check_ratings (check_id, monitor_id, team_id, rating, via)
             VALUES ($1, $2, $3, 'noise', 'link')",
            &[&alert.id, &monitor, &app.team_id],
        )
        .await
        .unwrap();
    app.peers.set_text("price: 85 EUR");
    app.check_now(monitor).await;
    let examples = app
        .peers
        .evaluations()
        .last()
        .unwrap()
        .rated_examples
        .clone();
    assert_eq!(examples.len(), 1);
    assert_eq!(examples[0].rating, "noise");
    assert_eq!(examples[0].summary, alert.summary.clone().unwrap());
    assert!(examples[0].diff.contains("+price: 90 EUR"), "{examples:?}");
    app.stop().await;
}
