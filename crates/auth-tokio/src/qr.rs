//! The QR login driver: runs an [`auth_core::qr::QrLogin`] over a [`Transport`], showing each
//! login token, feeding in the session's updates, and asking a [`Prompt`] for the 2FA password
//! when the account has one.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use auth_core::login::Config;
use auth_core::qr::QrUrl;
use auth_core::{Authorization, Error, LoginEvent, Phase, QrEvent, QrLogin, UsageError};
use rand_core::CryptoRng;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::calls::CallsInFlight;
use crate::{Answer, Prompt, Transport};

/// How a QR login ended, when it did not log in.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum QrLoginError {
    /// The login failed (the core's terminal `QrEvent::Failed`: the token was refused, a call
    /// failed, the password step failed, ...). [`Error::class`] says what to do about it.
    #[error("QR login failed: {0}")]
    Failed(#[from] Error),
    /// The login was cancelled: by the cancellation token, or by the prompt answering
    /// [`Answer::Cancel`] to the password question.
    #[error("QR login cancelled")]
    Cancelled,
    /// The login could not start (`QrLogin::new` refused the configuration).
    #[error("cannot start the QR login: {0}")]
    Usage(#[from] UsageError),
    /// The core waited for nothing: no call in flight, no timer, no question. A bug in
    /// `auth-core`.
    #[error("the QR login stalled in phase {0:?}")]
    Stalled(Phase),
}

/// Logs in by QR code: exports a login token through `transport` and calls `show` with its
/// `tg://login?token=...` URL (again with a new one each time the last expired), feeds every
/// update from `updates` to the login until another device accepted the token, follows the
/// server to the account's data center, asks `prompt` for the 2FA password if the account
/// has one, and returns the authorization.
///
/// `updates` carries the TL-serialized updates the caller's MTProto session receives (the
/// login finds `updateLoginToken` bare, in `updateShort`, `updates` or `updatesCombined`;
/// anything else is ignored); when it closes, the login keeps refreshing its token until
/// cancelled. `except_ids` are the user ids already logged in on this app. `rng` is the OS
/// generator (any `rand_core::CryptoRng`), drawn from before this function returns. Times come
/// from [`Instant::now`], and the wall-clock time of the token expiries from
/// [`SystemTime::now`].
///
/// Of `prompt`, only [`password`](Prompt::password), [`notify`](Prompt::notify) (with the
/// password, data-center and flood-wait events, as the phone login tells them),
/// [`checking_password`](Prompt::checking_password) and [`refused`](Prompt::refused) are
/// used; recovering a forgotten password by email is not offered (an answer to the password
/// question other than a password or [`Answer::Cancel`] is refused). The password work the
/// login hands out (PBKDF2) runs on [`tokio::task::spawn_blocking`].
///
/// **Cancellation.** Cancelling `cancel`, or dropping the returned future, ends the login at
/// once: an unscanned token needs no cancelling on the server.
///
/// # Errors
///
/// [`QrLoginError::Usage`] if the configuration is unusable, [`QrLoginError::Cancelled`] and
/// [`QrLoginError::Failed`] as above.
// The phone login's parameters, plus the updates and the display the QR flow needs.
#[allow(clippy::too_many_arguments)]
pub fn qr_login<'p, T, P, S, R>(
    transport: Arc<T>,
    updates: mpsc::Receiver<Vec<u8>>,
    mut show: S,
    prompt: &'p mut P,
    config: Config,
    except_ids: &[i64],
    rng: &mut R,
    cancel: CancellationToken,
) -> impl Future<Output = Result<Authorization, QrLoginError>> + Send + use<'p, T, P, S, R>
where
    T: Transport + 'static,
    P: Prompt + ?Sized,
    S: FnMut(&QrUrl) + Send,
    R: CryptoRng + ?Sized,
{
    let qr = QrLogin::new(config, except_ids, rng, Instant::now(), unix_now());
    async move {
        let mut driver = Driver {
            qr: qr?,
            transport,
            calls: CallsInFlight::default(),
            updates: Some(updates),
            cancel,
        };
        driver.run(&mut show, prompt).await
    }
}

/// The wall-clock unix time (0 before 1970).
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The state of one running QR login.
struct Driver<T: Transport + 'static> {
    qr: QrLogin,
    transport: Arc<T>,
    /// Calls on their way, one task each.
    calls: CallsInFlight,
    /// The session's updates; `None` once closed.
    updates: Option<mpsc::Receiver<Vec<u8>>>,
    cancel: CancellationToken,
}

impl<T: Transport + 'static> Driver<T> {
    async fn run<S: FnMut(&QrUrl), P: Prompt + ?Sized>(
        &mut self,
        show: &mut S,
        prompt: &mut P,
    ) -> Result<Authorization, QrLoginError> {
        loop {
            self.flush_transmits();
            while let Some(event) = self.qr.poll_event() {
                match event {
                    QrEvent::Token(url) => show(&url),
                    QrEvent::Done(authorization) => return Ok(*authorization),
                    QrEvent::Cancelled => return Err(QrLoginError::Cancelled),
                    QrEvent::Failed(error) => return Err(QrLoginError::Failed(error)),
                    event => {
                        if let Some(event) = as_login_event(event) {
                            prompt.notify(&event);
                        }
                    }
                }
            }
            if let Some(work) = self.qr.poll_work() {
                // The password's slow step, on a blocking thread, serving the network meanwhile.
                prompt.checking_password(true);
                let done = self
                    .ask(tokio::task::spawn_blocking(move || work.run()))
                    .await;
                prompt.checking_password(false);
                match done {
                    // Refused only if the login moved on meanwhile: nothing to do.
                    Some(Ok(done)) => drop(self.qr.handle_work(Instant::now(), done)),
                    // The work panicked: nothing sensible is left to do.
                    Some(Err(_)) => self.qr.cancel(Instant::now()),
                    None => {}
                }
                continue;
            }
            match self.qr.phase() {
                phase @ (Phase::Working | Phase::AwaitingScan) => {
                    if self.calls.is_empty() && self.qr.poll_timeout().is_none() {
                        return Err(QrLoginError::Stalled(phase));
                    }
                    self.step(pin!(std::future::pending::<()>())).await;
                }
                Phase::AwaitingPassword => {
                    if let Some(error) = self.ask_password(prompt).await? {
                        prompt.refused(&error);
                    }
                }
                // Finished, and the phases a QR login never reaches.
                phase => return Err(QrLoginError::Stalled(phase)),
            }
        }
    }

    /// Asks for the password and submits it (the core hands out checking it as work).
    /// Returns the refusal of the answer, if any.
    async fn ask_password<P: Prompt + ?Sized>(
        &mut self,
        prompt: &mut P,
    ) -> Result<Option<UsageError>, QrLoginError> {
        let info = self
            .qr
            .password_info()
            .cloned()
            .ok_or(QrLoginError::Stalled(Phase::AwaitingPassword))?;
        let attempts = self.qr.password_attempts();
        Ok(match self.ask(prompt.password(&info, attempts)).await {
            Some(Answer::Value(password)) => self
                .qr
                .submit_password(Instant::now(), password.as_bytes())
                .err(),
            Some(Answer::Cancel) => {
                self.qr.cancel(Instant::now());
                None
            }
            None => None,
            // "Forgot the password" (or another answer no password is): the QR login does not
            // offer recovery by email, so it is refused and the question asked again.
            Some(_) => Some(UsageError::RecoveryUnavailable),
        })
    }

    // ----- waiting -----

    /// Waits for `question` while serving the network, the updates and the clock. `None` if
    /// the login moved on (or was cancelled) before the answer came.
    async fn ask<F: Future>(&mut self, question: F) -> Option<F::Output> {
        let mut question = pin!(question);
        let phase = self.qr.phase();
        loop {
            if let Some(answer) = self.step(question.as_mut()).await {
                return Some(answer);
            }
            if self.qr.phase() != phase {
                return None;
            }
        }
    }

    /// Waits for the first of: cancellation, `fut`, a call's answer, an update, the login's
    /// timer. Returns `fut`'s output if it came first; otherwise feeds what happened in.
    async fn step<F: Future>(&mut self, fut: Pin<&mut F>) -> Option<F::Output> {
        let cancel = self.cancel.clone();
        let deadline = self.qr.poll_timeout();
        // Without a deadline the timer branch is off; `wake_at` only needs to be some instant.
        let wake_at = deadline.unwrap_or_else(Instant::now);
        let out = tokio::select! {
            biased;
            () = cancel.cancelled(), if !self.qr.is_finished() => {
                self.qr.cancel(Instant::now());
                None
            }
            out = fut => Some(out),
            Some(joined) = self.calls.next() => {
                self.calls.deliver(&mut self.qr, joined);
                None
            }
            update = next_update(&mut self.updates) => {
                match update {
                    // Bytes that are no auth update are someone else's: ignore them.
                    Some(bytes) => {
                        let _ = self.qr.handle_update_bytes(Instant::now(), &bytes);
                    }
                    None => self.updates = None,
                }
                None
            }
            () = tokio::time::sleep_until(wake_at.into()), if deadline.is_some() => {
                self.qr.handle_timeout(Instant::now().max(wake_at));
                None
            }
        };
        self.flush_transmits();
        out
    }

    /// Starts a task for every call the machine wants sent.
    fn flush_transmits(&mut self) {
        self.calls.send_all(&mut self.qr, &self.transport);
    }
}

/// The next update, or never once the channel closed (`None` reports the closing).
async fn next_update(updates: &mut Option<mpsc::Receiver<Vec<u8>>>) -> Option<Vec<u8>> {
    match updates {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The QR login's events a [`Prompt`] knows from the phone login.
fn as_login_event(event: QrEvent) -> Option<LoginEvent> {
    Some(match event {
        QrEvent::DcChanged(dc) => LoginEvent::DcChanged(dc),
        QrEvent::FloodWait { seconds, until } => LoginEvent::FloodWait { seconds, until },
        QrEvent::PasswordRequired(info) => LoginEvent::PasswordRequired(info),
        QrEvent::PasswordInvalid { attempts } => LoginEvent::PasswordInvalid { attempts },
        _ => return None,
    })
}
