//! What the QR login does with what its calls report: tokens, migrations, success, errors,
//! and the events of the embedded password step.

use std::time::Instant;

use crate::{
    DcId, Error, RpcErrorKind,
    account::Authorization,
    login::LoginEvent,
    machine::{Call, CallEvent, Machine},
    tl::{Identifiable, RemoteCall, enums, functions},
    transport::{RequestId, Transmit},
};

use super::{QrEvent, QrLogin, QrUrl, Step};

/// The outcome of `auth.exportLoginToken` or `auth.importLoginToken`.
type Outcome = Result<enums::auth::LoginToken, Error>;

/// Moves a call's transmits out; returns its events.
fn drain<F: RemoteCall>(
    call: &mut Call<F>,
    transmits: &mut std::collections::VecDeque<Transmit>,
    next_id: &mut u64,
) -> Vec<CallEvent<F::Return>>
where
    F::Return: crate::tl::DeserializeAt,
{
    while let Some(t) = call.poll_transmit() {
        transmits.push_back(t);
    }
    *next_id = (*next_id).max(call.next_request_id());
    std::iter::from_fn(|| call.poll_event()).collect()
}

impl QrLogin {
    /// Collects what the current step queued; a finished call leads to the next step, whose
    /// first request is collected in the next round.
    pub(super) fn pump(&mut self, now: Instant) {
        loop {
            let (method, events) = match &mut self.step {
                Step::Export(call) => (
                    functions::auth::ExportLoginToken::NAME,
                    drain(call, &mut self.transmits, &mut self.next_id),
                ),
                Step::Import(call) => (
                    functions::auth::ImportLoginToken::NAME,
                    drain(call, &mut self.transmits, &mut self.next_id),
                ),
                Step::Password { .. } => return self.pump_password(),
                Step::Showing { .. } | Step::Finished => return,
            };
            let mut outcome = None;
            for event in events {
                match event {
                    CallEvent::DcChanged(dc) => {
                        self.home_dc = dc;
                        self.events.push_back(QrEvent::DcChanged(dc));
                    }
                    CallEvent::FloodWait { seconds, until } => {
                        self.events.push_back(QrEvent::FloodWait { seconds, until });
                    }
                    CallEvent::Done(token) => outcome = Some(Ok(token)),
                    CallEvent::Failed(error) => outcome = Some(Err(error)),
                }
            }
            match outcome {
                Some(result) => self.on_login_token(now, method, result),
                None => return,
            }
        }
    }

    /// An answer to `auth.exportLoginToken` or `auth.importLoginToken` (both return
    /// `auth.LoginToken`, and are treated alike).
    fn on_login_token(&mut self, now: Instant, method: &'static str, outcome: Outcome) {
        // Whether another device accepted the token while this call was on its way.
        let accepted = std::mem::take(&mut self.accepted);
        match outcome {
            Ok(enums::auth::LoginToken::LoginToken(t)) => {
                if t.token.is_empty() {
                    return self.fail(Error::UnexpectedReply {
                        method,
                        what: "auth.loginToken with an empty token".into(),
                    });
                }
                if accepted {
                    // The token this answer replaces was accepted: the next export logs in.
                    return self.export(now);
                }
                let expires = i64::from(t.expires);
                let refresh_at = self.refresh_at(now, expires);
                let url = QrUrl::new(&t.token, expires, refresh_at);
                self.tokens = self.tokens.saturating_add(1);
                self.events.push_back(QrEvent::Token(url.clone()));
                self.step = Step::Showing { url, refresh_at };
            }
            Ok(enums::auth::LoginToken::MigrateTo(m)) => {
                let dc = DcId(m.dc_id);
                if dc.0 <= 0 || m.token.is_empty() {
                    return self.fail(Error::UnexpectedReply {
                        method,
                        what: format!(
                            "auth.loginTokenMigrateTo to {dc} with {} token bytes",
                            m.token.len()
                        ),
                    });
                }
                if self.migrations >= self.config.session.retry.max_migrations {
                    return self.fail(Error::MigrationLoop { method, dc });
                }
                self.migrations += 1;
                if dc != self.home_dc {
                    self.home_dc = dc;
                    self.events.push_back(QrEvent::DcChanged(dc));
                }
                self.import(now, m.token);
            }
            Ok(enums::auth::LoginToken::Success(s)) => self.on_authorization(method, &s),
            Err(Error::Rpc { method, error }) => match error.kind() {
                RpcErrorKind::SessionPasswordNeeded => self.start_password(now),
                RpcErrorKind::AuthTokenInvalid => self.fail(Error::LoginTokenRejected(error)),
                _ => self.fail(Error::Rpc { method, error }),
            },
            Err(error) => self.fail(error),
        }
    }

    fn on_authorization(
        &mut self,
        method: &'static str,
        success: &crate::tl::types::auth::LoginTokenSuccess,
    ) {
        let what = match &success.authorization {
            enums::auth::Authorization::Authorization(a) => {
                match Authorization::from_tl(self.home_dc, self.layer, a) {
                    Some(authorization) => {
                        return self.finish(QrEvent::Done(Box::new(authorization)));
                    }
                    None => "auth.loginTokenSuccess with userEmpty",
                }
            }
            enums::auth::Authorization::SignUpRequired(_) => {
                "auth.loginTokenSuccess asking to sign up"
            }
        };
        self.fail(Error::UnexpectedReply {
            method,
            what: what.into(),
        });
    }

    /// Collects the password step's calls (renumbered) and events (translated).
    fn pump_password(&mut self) {
        let Step::Password { login, base } = &mut self.step else {
            return;
        };
        while let Some(mut t) = login.poll_transmit() {
            t.id = RequestId(base.saturating_add(t.id.0));
            self.next_id = self.next_id.max(t.id.0.saturating_add(1));
            self.transmits.push_back(t);
        }
        let mut finished = false;
        while let Some(event) = login.poll_event() {
            let event = match event {
                LoginEvent::PasswordRequired(info) => QrEvent::PasswordRequired(info),
                LoginEvent::PasswordInvalid { attempts } => QrEvent::PasswordInvalid { attempts },
                LoginEvent::DcChanged(dc) => {
                    self.home_dc = dc;
                    QrEvent::DcChanged(dc)
                }
                LoginEvent::FloodWait { seconds, until } => QrEvent::FloodWait { seconds, until },
                LoginEvent::Done(authorization) => QrEvent::Done(authorization),
                LoginEvent::Cancelled => QrEvent::Cancelled,
                LoginEvent::Failed(error) => QrEvent::Failed(error),
                // The rest are about codes, sign-up and email, which a login started at the
                // password step never reaches.
                _ => continue,
            };
            finished |= event.is_terminal();
            self.events.push_back(event);
        }
        if finished || login.is_finished() {
            self.step = Step::Finished;
            self.transmits.clear();
        }
    }
}
