//! A monitor's browser steps, run in order in the rendered page: how a page
//! behind a login form or a consent wall is reached before it is read.
//!
//! Steps act like a user would (mouse clicks at the element, key events),
//! so the page's own scripts see ordinary input. A step that may navigate
//! (click, press, goto) is followed by a short look for a navigation, and
//! when one started, by a wait for its network to go quiet.

use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::input::{DispatchKeyEventParams, DispatchKeyEventType};
use chromiumoxide::cdp::browser_protocol::page::EventLifecycleEvent;
use chromiumoxide::listeners::EventStream;
use futures::StreamExt as _;

use crate::domain::Step;
use crate::render::{MAX_WAIT, RenderError, appears, network_idle};

/// At most this many steps per monitor: a login or a consent wall takes a
/// handful; more is a script, which this is not.
pub const MAX_STEPS: usize = 20;

/// A navigation a click or key press starts begins within this; a step that
/// starts none is not waited on longer.
const NAVIGATION_GRACE: Duration = Duration::from_millis(1500);

/// Runs `steps` in order; the first that fails ends the render with its index.
pub async fn run(
    page: &Page,
    lifecycle: &mut EventStream<EventLifecycleEvent>,
    steps: &[Step],
) -> Result<(), RenderError> {
    for (position, step) in steps.iter().enumerate() {
        let index = u32::try_from(position + 1).unwrap_or(u32::MAX);
        run_one(page, lifecycle, step)
            .await
            .map_err(|reason| RenderError::StepFailed {
                index,
                step: step.describe(),
                reason,
            })?;
    }
    Ok(())
}

async fn run_one(
    page: &Page,
    lifecycle: &mut EventStream<EventLifecycleEvent>,
    step: &Step,
) -> Result<(), String> {
    match step {
        Step::Goto(url) => {
            // The egress proxy checks the destination like any other request;
            // a refused one leaves Chromium's error page, reported by the render.
            page.goto(url.as_str())
                .await
                .map_err(|error| format!("the page did not load: {error}"))?;
            network_idle(page, lifecycle).await;
        }
        Step::Fill { selector, value } => fill(page, selector, value).await?,
        Step::Click { selector } => {
            let element = page
                .find_element(selector.as_str())
                .await
                .map_err(|_| format!("nothing matches {selector:?}"))?;
            element
                .click()
                .await
                .map_err(|error| format!("cannot click {selector:?}: {error}"))?;
            settle(page, lifecycle).await;
        }
        Step::Press { key } => {
            press(page, key).await?;
            settle(page, lifecycle).await;
        }
        Step::WaitFor { selector } => {
            if !appears(page, selector).await {
                return Err(format!(
                    "nothing matched {selector:?} within {} ms",
                    MAX_WAIT.as_millis()
                ));
            }
        }
        Step::Wait(delay) => tokio::time::sleep((*delay).min(MAX_WAIT)).await,
    }
    Ok(())
}

/// Sets the field's value through the element's own setter and fires the
/// events frameworks listen to (React, Vue and plain forms alike). The value
/// travels as a JSON string argument, never as code.
async fn fill(page: &Page, selector: &str, value: &str) -> Result<(), String> {
    let script = format!(
        r"(() => {{
            const element = document.querySelector({selector});
            if (element === null) return 'missing';
            if (!('value' in element)) return 'not a field';
            element.focus();
            const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(element), 'value');
            if (setter && setter.set) {{ setter.set.call(element, {value}); }} else {{ element.value = {value}; }}
            element.dispatchEvent(new Event('input', {{ bubbles: true }}));
            element.dispatchEvent(new Event('change', {{ bubbles: true }}));
            return 'ok';
        }})()",
        selector = serde_json::Value::String(selector.to_owned()),
        value = serde_json::Value::String(value.to_owned()),
    );
    let answer = page
        .evaluate(script)
        .await
        .map_err(|error| format!("cannot fill {selector:?}: {error}"))?
        .into_value::<String>()
        .map_err(|error| format!("cannot fill {selector:?}: {error}"))?;
    match answer.as_str() {
        "ok" => Ok(()),
        "missing" => Err(format!("nothing matches {selector:?}")),
        _ => Err(format!("{selector:?} is not a form field")),
    }
}

/// A key down and up in the focused element, as a keyboard would send them
/// (Enter in a field submits its form).
async fn press(page: &Page, key: &str) -> Result<(), String> {
    let definition = chromiumoxide::keys::get_key_definition(key)
        .ok_or_else(|| format!("{key:?} is not a known key"))?;
    let text = definition
        .text
        .or_else(|| (definition.key.len() == 1).then_some(definition.key));
    let event = |kind: DispatchKeyEventType| {
        let types_text = matches!(kind, DispatchKeyEventType::KeyDown);
        let mut builder = DispatchKeyEventParams::builder()
            .r#type(kind)
            .key(definition.key)
            .code(definition.code)
            .windows_virtual_key_code(definition.key_code)
            .native_virtual_key_code(definition.key_code);
        if let (Some(text), true) = (text, types_text) {
            builder = builder.text(text);
        }
        builder.build()
    };
    let down = if text.is_some() {
        DispatchKeyEventType::KeyDown
    } else {
        DispatchKeyEventType::RawKeyDown
    };
    for kind in [down, DispatchKeyEventType::KeyUp] {
        let params = event(kind).map_err(|error| format!("cannot press {key}: {error}"))?;
        page.execute(params)
            .await
            .map_err(|error| format!("cannot press {key}: {error}"))?;
    }
    Ok(())
}

/// Lets a navigation the last action started finish: waits briefly for one
/// to begin in the main frame, then for its network to go quiet.
async fn settle(page: &Page, lifecycle: &mut EventStream<EventLifecycleEvent>) {
    let main_frame = page.mainframe().await.ok().flatten();
    let started = async {
        while let Some(event) = lifecycle.next().await {
            if main_frame.as_ref().is_some_and(|id| *id != event.frame_id) {
                continue;
            }
            if event.name == "init" {
                return Some(event.loader_id.clone());
            }
        }
        None
    };
    let Ok(Some(loader)) = tokio::time::timeout(NAVIGATION_GRACE, started).await else {
        return;
    };
    let quiet = async {
        while let Some(event) = lifecycle.next().await {
            if event.name == "networkIdle" && event.loader_id == loader {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(MAX_WAIT, quiet).await;
}
