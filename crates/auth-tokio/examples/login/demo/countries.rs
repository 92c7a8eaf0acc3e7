//! The phone number formatted by the server's country list (`help.getCountriesList`), shown
//! once before the login starts: `Phone: +999 66 2 0001 (Test)`.

use std::time::{Duration, Instant};

use auth_core::countries::{Countries, NumberLength};
use auth_core::{Call, CallEvent, Machine, RetryPolicy, SessionConfig};
use auth_tokio::Transport;

use super::console::Console;

/// Fetches the list on `dc` and says how `phone` reads, with its country. Best effort: when
/// the list cannot be had, nothing is shown and the login goes on.
pub async fn show_phone(
    transport: &impl Transport,
    session: &SessionConfig,
    phone: &str,
    console: &mut Console,
) {
    let Some(countries) = fetch(transport, session).await else {
        return;
    };
    let typed = countries.format(phone);
    let Some(country) = typed.country else {
        console.say(&format!("Phone: {} (no known country)", typed.formatted));
        return;
    };
    let fit = match country.length {
        NumberLength::Short { missing } => format!(", {missing} digit(s) short"),
        NumberLength::Long { extra } => format!(", {extra} digit(s) too many"),
        NumberLength::Complete | NumberLength::Unknown => String::new(),
    };
    console.say(&format!(
        "Phone: {} ({}{fit})",
        typed.formatted, country.name
    ));
}

/// One `help.getCountriesList` through the core's [`Call`] (flood waits of a few seconds and
/// migrations handled there).
async fn fetch(transport: &impl Transport, session: &SessionConfig) -> Option<Countries> {
    let mut countries = Countries::new();
    let session = SessionConfig {
        retry: RetryPolicy {
            max_flood_wait: Duration::from_secs(5),
            transport_retries: 0,
            ..session.retry.clone()
        },
        ..session.clone()
    };
    let mut call = Call::new(&session, countries.request("en"), Instant::now()).ok()?;
    loop {
        while let Some(t) = call.poll_transmit() {
            let id = t.id;
            match transport.invoke(t.dc, t.into_plain_body()).await {
                Ok(reply) => call.handle_response(Instant::now(), id, &reply).ok()?,
                Err(failure) => call.handle_failure(Instant::now(), id, failure).ok()?,
            }
        }
        while let Some(event) = call.poll_event() {
            match event {
                CallEvent::Done(list) => {
                    countries.handle_reply(&list);
                    return Some(countries);
                }
                CallEvent::Failed(_) => return None,
                _ => {}
            }
        }
        let at = call.poll_timeout()?;
        tokio::time::sleep_until(at.into()).await;
        call.handle_timeout(Instant::now());
    }
}
