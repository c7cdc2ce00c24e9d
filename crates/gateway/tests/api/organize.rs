//! Organizing many monitors: tags, the filtered and paged list, and bulk
//! actions with per-monitor results.

use std::collections::HashSet;

use gateway::edge::settings::Quota;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestUser, expect_error, expect_json, monitor_body, spawn_app, spawn_app_with,
};

impl TestApp {
    async fn new_tag(&self, user: &TestUser, name: &str, colour: &str) -> String {
        let tag = expect_json(
            self.post(
                user,
                "/api/v1/tags",
                &json!({"name": name, "colour": colour}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        tag["id"].as_str().unwrap().to_owned()
    }

    async fn new_named_monitor(&self, user: &TestUser, name: &str, url: &str) -> String {
        let mut body = monitor_body();
        body["name"] = json!(name);
        body["url"] = json!(url);
        let created =
            expect_json(self.create_monitor(user, &body).await, StatusCode::CREATED).await;
        created["id"].as_str().unwrap().to_owned()
    }

    async fn bulk(&self, user: &TestUser, body: &Value) -> reqwest::Response {
        self.post(user, "/api/v1/monitors/bulk", body).await
    }

    async fn listed_ids(&self, user: &TestUser, query: &str) -> Vec<String> {
        let page = expect_json(self.list_monitors(user, query).await, StatusCode::OK).await;
        ids_of(&page)
    }

    async fn audited(&self, action: &str) -> i64 {
        self.database()
            .await
            .query_one(
                "SELECT count(*) FROM audit_events WHERE action = $1",
                &[&action],
            )
            .await
            .unwrap()
            .get(0)
    }
}

fn ids_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn tags_are_created_renamed_recoloured_listed_and_deleted_with_unique_names() {
    let app = spawn_app().await;
    let created = expect_json(
        app.post(
            &app.alice,
            "/api/v1/tags",
            &json!({"name": "Shops", "colour": "#2F6FDE"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["name"], "Shops");
    assert_eq!(created["colour"], "#2f6fde", "stored in lower case");
    assert_eq!(created["monitor_count"], 0);
    let id = created["id"].as_str().unwrap().to_owned();

    let message = expect_error(
        app.post(
            &app.alice,
            "/api/v1/tags",
            &json!({"name": "shops", "colour": "#000000"}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(
        message.contains("already has a tag of that name"),
        "{message}"
    );
    // Another team may use the name.
    app.new_tag(&app.bob, "Shops", "#000000").await;

    let body = expect_json(
        app.post(
            &app.alice,
            "/api/v1/tags",
            &json!({"name": "  ", "colour": "blue"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: HashSet<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, HashSet::from(["name", "colour"]));

    let renamed = expect_json(
        app.patch(
            &app.alice,
            &format!("/api/v1/tags/{id}"),
            &json!({"name": "Online shops", "colour": "#aa0000"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(renamed["name"], "Online shops");
    assert_eq!(renamed["colour"], "#aa0000");

    let monitor = app.new_monitor(&app.alice).await;
    let tagged = expect_json(
        app.update_monitor(&app.alice, &monitor, &json!({"tag_ids": [id]}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        tagged["tags"],
        json!([{"id": id, "name": "Online shops", "colour": "#aa0000"}])
    );
    let list = expect_json(app.get(&app.alice, "/api/v1/tags").await, StatusCode::OK).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "only alice's tags"
    );
    assert_eq!(list["items"][0]["monitor_count"], 1);

    let deleted = app.delete(&app.alice, &format!("/api/v1/tags/{id}")).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let untagged = expect_json(app.get_monitor(&app.alice, &monitor).await, StatusCode::OK).await;
    assert_eq!(untagged["tags"], json!([]), "deleting a tag detaches it");
    assert!(app.audited("tag.created").await >= 2);
    assert_eq!(app.audited("tag.deleted").await, 1);
}

#[tokio::test]
async fn tags_are_team_scoped_for_reading_changing_and_attaching() {
    let app = spawn_app().await;
    let bobs_tag = app.new_tag(&app.bob, "Bob's", "#123456").await;
    for response in [
        app.patch(
            &app.alice,
            &format!("/api/v1/tags/{bobs_tag}"),
            &json!({"name": "mine now"}),
        )
        .await,
        app.delete(&app.alice, &format!("/api/v1/tags/{bobs_tag}"))
            .await,
    ] {
        expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    // A monitor cannot carry another team's tag, on creation or update.
    let mut body = monitor_body();
    body["tag_ids"] = json!([bobs_tag]);
    let message = expect_error(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("tag_ids"), "{message}");
    let monitor = app.new_monitor(&app.alice).await;
    expect_error(
        app.update_monitor(&app.alice, &monitor, &json!({"tag_ids": [bobs_tag]}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Nor can a bulk action name it, and bob's tag name matches none of alice's monitors.
    let message = expect_error(
        app.bulk(
            &app.alice,
            &json!({"action": "add_tag", "tag_id": bobs_tag, "ids": [monitor]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("tag_id"), "{message}");
    assert!(app.listed_ids(&app.alice, "?tag=Bob's").await.is_empty());
    assert!(
        app.listed_ids(&app.alice, &format!("?tag={bobs_tag}"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_list_filters_by_tag_status_and_text_and_refuses_invalid_filters() {
    let app = spawn_app().await;
    let laptop = app
        .new_named_monitor(&app.alice, "Laptop price", "https://93.184.215.14/laptop")
        .await;
    let phone = app
        .new_named_monitor(
            &app.alice,
            "Phone 100% off",
            "https://93.184.215.14/PHONE_deal",
        )
        .await;
    let jobs = app
        .new_named_monitor(&app.alice, "Rust jobs", "https://93.184.215.14/careers")
        .await;
    let shops = app.new_tag(&app.alice, "Shops", "#2f6fde").await;
    expect_json(
        app.bulk(
            &app.alice,
            &json!({"action": "add_tag", "tag_id": shops, "ids": [laptop, phone]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Tag by id or by name in any case; newest first.
    assert_eq!(
        app.listed_ids(&app.alice, &format!("?tag={shops}")).await,
        [phone.as_str(), laptop.as_str()]
    );
    assert_eq!(
        app.listed_ids(&app.alice, "?tag=sHoPs").await,
        [phone.as_str(), laptop.as_str()]
    );
    // Text over name and URL, in any case; `%` and `_` are literal.
    assert_eq!(
        app.listed_ids(&app.alice, "?q=LAPTOP").await,
        [laptop.as_str()]
    );
    assert_eq!(
        app.listed_ids(&app.alice, "?q=careers").await,
        [jobs.as_str()]
    );
    assert_eq!(
        app.listed_ids(&app.alice, "?q=100%25").await,
        [phone.as_str()]
    );
    assert_eq!(
        app.listed_ids(&app.alice, "?q=phone_").await,
        [phone.as_str()]
    );
    assert!(app.listed_ids(&app.alice, "?q=%25").await.len() == 1);
    assert!(
        app.listed_ids(&app.alice, "?q=o_e").await.is_empty(),
        "_ is no wildcard"
    );

    // Status, from what the monitor records.
    let database = app.database().await;
    database
        .execute(
            "UPDATE monitors SET last_status = 'ok', last_checked_at = now(),
                    last_triggered_at = now() - interval '1 hour' WHERE id = $1::text::uuid",
            &[&laptop],
        )
        .await
        .unwrap();
    database
        .execute(
            "UPDATE monitors SET last_status = 'page_gone', last_checked_at = now(),
                    consecutive_failures = 2, last_triggered_at = now() - interval '3 days'
              WHERE id = $1::text::uuid",
            &[&phone],
        )
        .await
        .unwrap();
    database
        .execute(
            "UPDATE monitors SET last_status = 'judge_unavailable', last_checked_at = now(),
                    unjudged_streak = 1 WHERE id = $1::text::uuid",
            &[&jobs],
        )
        .await
        .unwrap();
    let paused = app
        .new_named_monitor(&app.alice, "Paused", "https://93.184.215.14/paused")
        .await;
    app.update_monitor(&app.alice, &paused, &json!({"paused": true}))
        .await;
    let pending = app
        .new_named_monitor(&app.alice, "New", "https://93.184.215.14/new")
        .await;
    assert_eq!(
        app.listed_ids(&app.alice, "?status=ok").await,
        [laptop.as_str()]
    );
    assert_eq!(
        app.listed_ids(&app.alice, "?status=failing").await,
        [phone.as_str()]
    );
    assert_eq!(
        app.listed_ids(&app.alice, "?status=triggered").await,
        [laptop.as_str()]
    );
    assert_eq!(
        app.listed_ids(&app.alice, "?status=paused").await,
        [paused.as_str()]
    );
    assert_eq!(
        app.listed_ids(&app.alice, "?status=judge_unavailable")
            .await,
        [jobs.as_str()]
    );
    assert_eq!(
        app.listed_ids(&app.alice, "?status=pending").await,
        [pending]
    );
    // Filters combine.
    assert_eq!(
        app.listed_ids(&app.alice, "?tag=shops&status=failing&q=phone")
            .await,
        [phone.as_str()]
    );
    let page = expect_json(
        app.list_monitors(&app.alice, "?tag=shops").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["total"], 2);

    for (query, field) in [
        ("?status=broken", "status"),
        (&format!("?q={}", "x".repeat(201)) as &str, "q"),
        (&format!("?tag={}", "t".repeat(41)), "tag"),
        ("?limit=0", "limit"),
        ("?cursor=nonsense", "cursor"),
    ] {
        let body = expect_json(
            app.list_monitors(&app.alice, query).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            body["error"]["fields"][0]["field"], field,
            "{query}: {body}"
        );
    }
    let message = expect_error(
        app.list_monitors(&app.alice, "?status=broken").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        message.contains("ok, failing, triggered, paused, judge_unavailable"),
        "{message}"
    );
    // Another team's monitors never match, whatever the filter.
    assert!(app.listed_ids(&app.bob, "?q=laptop").await.is_empty());
}

#[tokio::test]
async fn pages_of_a_filtered_list_cover_every_match_once_while_monitors_change() {
    let app = spawn_app().await;
    let tag = app.new_tag(&app.alice, "Batch", "#00aa00").await;
    let mut tagged = Vec::new();
    for index in 0..23 {
        let id = app
            .new_named_monitor(
                &app.alice,
                &format!("Item {index}"),
                &format!("https://93.184.215.14/item/{index}"),
            )
            .await;
        if index % 3 != 0 {
            tagged.push(id);
        }
    }
    expect_json(
        app.bulk(
            &app.alice,
            &json!({"action": "add_tag", "tag_id": tag, "ids": tagged}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Rows with the same creation time are ordered by id.
    app.database()
        .await
        .execute(
            "UPDATE monitors SET created_at = date_trunc('hour', now())",
            &[],
        )
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let page = expect_json(
            app.list_monitors(
                &app.alice,
                &format!("?tag=batch&q=item&limit=4&cursor={cursor}"),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(page["total"], tagged.len());
        seen.extend(ids_of(&page));
        pages += 1;
        if pages == 2 {
            // A monitor created or paused meanwhile moves no other across pages.
            app.new_named_monitor(&app.alice, "Item late", "https://93.184.215.14/late")
                .await;
            app.update_monitor(&app.alice, &tagged[0], &json!({"paused": true}))
                .await;
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 4, "15 matches in pages of 4");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no monitor twice");
    let expected: HashSet<&String> = tagged.iter().collect();
    assert_eq!(unique, expected, "every tagged monitor once");
}

#[tokio::test]
async fn bulk_actions_report_each_monitor_and_change_only_the_callers() {
    let app = spawn_app().await;
    let first = app.new_monitor(&app.alice).await;
    let second = app.new_monitor(&app.alice).await;
    let bobs = app.new_monitor(&app.bob).await;
    let missing = "00000000-0000-4000-8000-000000000000";

    let answer = expect_json(
        app.bulk(
            &app.alice,
            &json!({"action": "pause", "ids": [first, bobs, second, missing]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["action"], "pause");
    assert_eq!(answer["succeeded"], 2);
    assert_eq!(answer["failed"], 2);
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0], json!({"id": first, "ok": true}));
    assert_eq!(results[1]["id"], bobs.as_str());
    assert_eq!(results[1]["ok"], false);
    assert_eq!(results[1]["error"]["code"], "not_found");
    assert_eq!(results[2], json!({"id": second, "ok": true}));
    assert_eq!(results[3]["error"]["code"], "not_found");
    for id in [&first, &second] {
        let monitor = expect_json(app.get_monitor(&app.alice, id).await, StatusCode::OK).await;
        assert_eq!(monitor["paused"], true);
    }
    let bobs_monitor = expect_json(app.get_monitor(&app.bob, &bobs).await, StatusCode::OK).await;
    assert_eq!(
        bobs_monitor["paused"], false,
        "another team's monitor is untouched"
    );

    // By filter: the same filter as the list.
    let answer = expect_json(
        app.bulk(
            &app.alice,
            &json!({"action": "resume", "filter": {"status": "paused"}}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["succeeded"], 2);
    assert!(
        app.listed_ids(&app.alice, "?status=paused")
            .await
            .is_empty()
    );

    // Channels: attach and detach; another team's channel is refused.
    let channel = app.new_email_channel(&app.alice).await;
    expect_json(
        app.bulk(
            &app.alice,
            &json!({"action": "attach_channel", "channel_id": channel, "ids": [first, second]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let monitor = expect_json(app.get_monitor(&app.alice, &first).await, StatusCode::OK).await;
    assert_eq!(monitor["channel_ids"], json!([channel]));
    expect_json(
        app.bulk(
            &app.alice,
            &json!({"action": "detach_channel", "channel_id": channel, "ids": [first]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let monitor = expect_json(app.get_monitor(&app.alice, &first).await, StatusCode::OK).await;
    assert_eq!(monitor["channel_ids"], json!([]));
    let bobs_channel = app.new_email_channel(&app.bob).await;
    expect_error(
        app.bulk(
            &app.alice,
            &json!({"action": "attach_channel", "channel_id": bobs_channel, "ids": [first]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // Remove a tag.
    let tag = app.new_tag(&app.alice, "Temp", "#999999").await;
    app.bulk(
        &app.alice,
        &json!({"action": "add_tag", "tag_id": tag, "ids": [first, second]}),
    )
    .await;
    app.bulk(
        &app.alice,
        &json!({"action": "remove_tag", "tag_id": tag, "ids": [second]}),
    )
    .await;
    assert_eq!(
        app.listed_ids(&app.alice, "?tag=temp").await,
        [first.as_str()]
    );

    // Delete, one of them bob's: his stays.
    let answer = expect_json(
        app.bulk(
            &app.alice,
            &json!({"action": "delete", "ids": [first, bobs]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["succeeded"], 1);
    assert_eq!(answer["results"][1]["error"]["code"], "not_found");
    expect_error(
        app.get_monitor(&app.alice, &first).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_json(app.get_monitor(&app.bob, &bobs).await, StatusCode::OK).await;
    assert_eq!(app.audited("monitor.deleted").await, 1);
    assert!(app.audited("monitor.bulk").await >= 6);
}

#[tokio::test]
async fn bulk_in_a_shared_team_reports_a_tag_of_another_team_per_monitor() {
    let app = spawn_app().await;
    let team = expect_json(
        app.create_team(&app.alice, &json!({"name": "Shop"})).await,
        StatusCode::CREATED,
    )
    .await;
    let team_id = team["id"].as_str().unwrap().to_owned();
    let mut body = monitor_body();
    body["team_id"] = json!(team_id);
    let shared = expect_json(
        app.create_monitor(&app.alice, &body).await,
        StatusCode::CREATED,
    )
    .await;
    let shared = shared["id"].as_str().unwrap().to_owned();
    let personal = app.new_monitor(&app.alice).await;
    // A tag of alice's personal team fits only her personal monitor.
    let tag = app.new_tag(&app.alice, "Mine", "#aa00aa").await;
    let answer = expect_json(
        app.bulk(
            &app.alice,
            &json!({"action": "add_tag", "tag_id": tag, "ids": [personal, shared]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["results"][0], json!({"id": personal, "ok": true}));
    assert_eq!(answer["results"][1]["error"]["code"], "other_team");
    let monitor = expect_json(app.get_monitor(&app.alice, &shared).await, StatusCode::OK).await;
    assert_eq!(
        monitor["tags"],
        json!([]),
        "nothing half-done on the refused monitor"
    );

    // Bob is not in the team: its monitor is not his to pause, by id or filter.
    let answer = expect_json(
        app.bulk(
            &app.bob,
            &json!({"action": "pause", "filter": {"team_id": team_id}}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["results"], json!([]));
    // Once a member, he can.
    app.database()
        .await
        .execute(
            "INSERT INTO memberships (team_id, user_id, role) VALUES ($1::text::uuid, $2, 'member')",
            &[&team_id, &app.bob.id],
        )
        .await
        .unwrap();
    let answer = expect_json(
        app.bulk(&app.bob, &json!({"action": "pause", "ids": [shared]}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["succeeded"], 1);
}

#[tokio::test]
async fn bulk_requests_are_validated_before_anything_changes() {
    let app = spawn_app().await;
    let monitor = app.new_monitor(&app.alice).await;
    let cases = [
        (json!({"action": "pause"}), "ids"),
        (
            json!({"action": "pause", "ids": [monitor], "filter": {}}),
            "ids",
        ),
        (json!({"action": "pause", "ids": []}), "ids"),
        (json!({"action": "add_tag", "ids": [monitor]}), "tag_id"),
        (
            json!({"action": "attach_channel", "ids": [monitor]}),
            "channel_id",
        ),
        (
            json!({"action": "pause", "filter": {"status": "sleepy"}}),
            "filter.status",
        ),
    ];
    for (body, field) in cases {
        let answer = expect_json(
            app.bulk(&app.alice, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            answer["error"]["fields"][0]["field"], field,
            "{body}: {answer}"
        );
    }
    let too_many: Vec<String> = (0..501).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let message = expect_error(
        app.bulk(&app.alice, &json!({"action": "pause", "ids": too_many}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(message.contains("at most 500"), "{message}");
    expect_error(
        app.bulk(&app.alice, &json!({"action": "explode", "ids": [monitor]}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let unchanged = expect_json(app.get_monitor(&app.alice, &monitor).await, StatusCode::OK).await;
    assert_eq!(unchanged["paused"], false);
}

#[tokio::test]
async fn bulk_check_now_spends_one_expensive_request_per_monitor() {
    let app =
        spawn_app_with(|config| config.edge.rate_limits.expensive = Quota::per_minute(3)).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.new_monitor(&app.alice).await);
    }
    let answer = expect_json(
        app.bulk(&app.alice, &json!({"action": "check_now", "ids": ids}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["succeeded"], 3, "{answer}");
    assert_eq!(answer["failed"], 2);
    let results = answer["results"].as_array().unwrap();
    for result in &results[..3] {
        assert_eq!(result["ok"], true);
    }
    for result in &results[3..] {
        assert_eq!(result["error"]["code"], "rate_limited");
        assert!(
            result["error"]["message"]
                .as_str()
                .unwrap()
                .contains("retry in"),
            "{result}"
        );
    }
    let requested: i64 = app
        .database()
        .await
        .query_one(
            "SELECT count(*) FROM monitors WHERE requested_reason = 'manual'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(requested, 3, "only the paid-for monitors are queued");
    // The budget is spent for single requests too.
    expect_error(
        app.run_monitor_now(&app.alice, &ids[4]).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    // Bob's budget is his own.
    let bobs = app.new_monitor(&app.bob).await;
    let answer = expect_json(
        app.bulk(&app.bob, &json!({"action": "check_now", "ids": [bobs]}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answer["succeeded"], 1);
}
