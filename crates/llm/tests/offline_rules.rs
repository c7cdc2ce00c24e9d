//! The offline judge's rules as a table: each rule kind, first check versus change, number formats,
//! and no repeated alert while a condition stays true.

use llm::domain::Evaluation;
use llm::offline::judge_offline;

struct Case {
    condition: &'static str,
    previous: &'static str,
    current: &'static str,
    first_check: bool,
    triggered: bool,
    judge: &'static str,
    extracted: Option<&'static str>,
}

const fn case(
    condition: &'static str,
    previous: &'static str,
    current: &'static str,
    first_check: bool,
    triggered: bool,
    judge: &'static str,
    extracted: Option<&'static str>,
) -> Case {
    Case {
        condition,
        previous,
        current,
        first_check,
        triggered,
        judge,
        extracted,
    }
}

const ANY: &str = "offline:any-change";
const BELOW: &str = "offline:number-below";
const ABOVE: &str = "offline:number-above";

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Any change: differs → triggers; never on the first check.
    case("any change", "a", "b", false, true, ANY, None),
    case("anything changes", "same", "same", false, false, ANY, None),
    case("", "", "hello", true, false, ANY, None),
    case("", "old", "new", false, true, ANY, None),
    // Contains: the current state, every time.
    case("contains Rust", "", "Senior Rust engineer", true, true, "offline:contains", Some("Rust")),
    case("contains Rust", "Rust", "rust and go", false, true, "offline:contains", Some("Rust")),
    case("any new job posting that mentions Rust", "Go dev", "Python dev", false, false, "offline:contains", None),
    // Lowercasing changes byte lengths (İ grows, ẞ shrinks): the quote still lines up.
    case("contains é", "", "İaéẞ", true, true, "offline:contains", Some("é")),
    // Appears: present now and (first check or absent before).
    case("tell me when 'In stock' appears", "", "Now In stock!", true, true, "offline:appears", Some("In stock")),
    case("tell me when 'In stock' appears", "Sold out", "In stock", false, true, "offline:appears", Some("In stock")),
    case("tell me when 'In stock' appears", "In stock, 3 left", "In stock, 2 left", false, false, "offline:appears", Some("In stock")),
    case("tell me when 'In stock' appears", "", "Sold out", true, false, "offline:appears", None),
    // Does not contain / disappears.
    case("does not contain 'error'", "", "all good", true, true, "offline:not-contains", None),
    case("does not contain 'error'", "", "an Error", true, false, "offline:not-contains", None),
    case("when 'Sold out' disappears", "Sold out", "Add to cart", false, true, "offline:disappears", None),
    case("when 'Sold out' disappears", "Add to cart", "Add to cart now", false, false, "offline:disappears", None),
    case("when 'Sold out' disappears", "", "Add to cart", true, true, "offline:disappears", None),
    case("when 'Sold out' disappears", "Sold out", "still Sold out", false, false, "offline:disappears", None),
    // Regex: matches now, and new.
    case(r"matches /\d+ EUR/", "", "costs 12 EUR", true, true, "offline:regex", Some("12 EUR")),
    case(r"matches /\d+ EUR/", "costs 12 EUR", "costs 13 EUR", false, true, "offline:regex", Some("13 EUR")),
    case(r"matches /\d+ EUR/", "costs 12 EUR", "now: costs 12 EUR", false, false, "offline:regex", Some("12 EUR")),
    case(r"matches /\d+ EUR/", "", "free", true, false, "offline:regex", None),
    // Numbers below: first check judged on its own, crossing triggers, staying below does not.
    case("price drops below 100 EUR", "", "Price: 89.90 EUR", true, true, BELOW, Some("89.90")),
    case("price drops below 100 EUR", "Price: 120.00 EUR", "Price: 89.90 EUR", false, true, BELOW, Some("89.90")),
    case("price drops below 100 EUR", "Price: 89.90 EUR", "Price: 79.90 EUR", false, false, BELOW, Some("79.90")),
    case("price drops below 100 EUR", "Price: 89.90 EUR", "Price: 109.90 EUR", false, false, BELOW, Some("109.90")),
    case("price drops below 100 EUR", "Out of stock", "Price: 99 EUR", false, true, BELOW, Some("99")),
    case("price under 100", "", "Rated 4.5 by 300 people. Price €1,299.00", true, false, BELOW, Some("1,299.00")),
    case("price under 1000", "", "Preis: 1.299,00 €", true, false, BELOW, Some("1.299,00")),
    case("price under 1300", "", "Preis: 1.299,00 €", true, true, BELOW, Some("1.299,00")),
    case("less than 5", "", "Only 3 left", true, true, BELOW, Some("3")),
    case("price below 100", "", "No number here", true, false, BELOW, None),
    // Numbers above.
    case("above 50", "40", "51", false, true, ABOVE, Some("51")),
    case("above 50", "51", "52", false, false, ABOVE, Some("52")),
    case("more than 3", "", "4 open positions", true, true, ABOVE, Some("4")),
    case(">= 10", "9 items", "10 items", false, true, ABOVE, Some("10")),
    // The structured form for scripts.
    case(r#"{"rule":"number_below","value":100}"#, "", "$89.90", true, true, BELOW, Some("89.90")),
    case(r#"{"rule":"number_above","value":5,"keyword":"stock"}"#, "", "Size 42, stock 7", true, true, ABOVE, Some("7")),
    case(r#"{"rule":"appears","text":"In stock"}"#, "Sold out", "In stock", false, true, "offline:appears", Some("In stock")),
    case(r#"{"rule":"regex","pattern":"v\\d+\\.\\d+"}"#, "v1.2", "v1.3", false, true, "offline:regex", Some("v1.3")),
    case(r#"{"rule":"any_change"}"#, "a", "b", false, true, ANY, None),
];

#[test]
fn every_rule_in_the_table_decides_as_documented() {
    for (index, case) in CASES.iter().enumerate() {
        let verdict = judge_offline(&Evaluation {
            condition: case.condition.to_owned(),
            previous_text: case.previous.to_owned(),
            current_text: case.current.to_owned(),
            first_check: case.first_check,
            url: String::new(),
            rated_examples: Vec::new(),
        });
        let context = format!("case {index}: {:?} → {verdict:?}", case.condition);
        assert_eq!(verdict.triggered, case.triggered, "{context}");
        assert_eq!(verdict.judge, case.judge, "{context}");
        assert_eq!(
            verdict.extracted_value.as_deref(),
            case.extracted,
            "{context}"
        );
        assert!(
            !verdict.summary.is_empty() && !verdict.reason.is_empty(),
            "{context}"
        );
        assert!((0.0..=1.0).contains(&verdict.confidence), "{context}");
        assert_eq!(verdict.tokens, Default::default(), "{context}");
    }
}

#[test]
fn a_price_that_stays_below_the_threshold_alerts_only_once() {
    let prices = ["120.00", "95.00", "89.90", "79.00", "105.00", "99.00"];
    let mut previous = String::new();
    let mut alerts = Vec::new();
    for (index, price) in prices.iter().enumerate() {
        let current = format!("Price: {price} EUR");
        let verdict = judge_offline(&Evaluation {
            condition: "tell me when the price drops below 100 EUR".into(),
            previous_text: previous.clone(),
            current_text: current.clone(),
            first_check: index == 0,
            url: String::new(),
            rated_examples: Vec::new(),
        });
        if verdict.triggered {
            alerts.push(*price);
        }
        previous = current;
    }
    assert_eq!(alerts, ["95.00", "99.00"]);
}

#[test]
fn the_summary_states_the_value_and_what_changed() {
    let verdict = judge_offline(&Evaluation {
        condition: "price drops below 100 EUR".into(),
        previous_text: "Widget\nPrice: 120.00 EUR\n".into(),
        current_text: "Widget\nPrice: 89.90 EUR\n".into(),
        first_check: false,
        url: String::new(),
        rated_examples: Vec::new(),
    });
    assert_eq!(
        verdict.summary,
        "The price is now 89.90, below 100. 1 line added and 1 removed."
    );
    assert!(verdict.reason.contains("120.00"), "{}", verdict.reason);
}

#[test]
fn a_condition_it_cannot_read_is_judged_as_any_change_with_less_confidence() {
    let verdict = judge_offline(&Evaluation {
        condition: "when the mood of the page feels gloomy".into(),
        previous_text: "sunny".into(),
        current_text: "rainy".into(),
        first_check: false,
        url: String::new(),
        rated_examples: Vec::new(),
    });
    assert!(verdict.triggered);
    assert_eq!(verdict.judge, "offline:any-change");
    assert!(verdict.reason.contains("any change"), "{}", verdict.reason);
    assert!(verdict.confidence < 0.5);
}
