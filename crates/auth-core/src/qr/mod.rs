//! Logging in by QR code (core.telegram.org/api/qr-login) as a sans-IO state machine.
//!
//! This device exports a login token and shows it as a `tg://login?token=...` QR code;
//! another device, already logged in to the account, scans it and accepts it; the server then
//! sends this device an `updateLoginToken`, and exporting again logs it in.
//!
//! [`QrLogin`]'s methods sort into four kinds, like [`Login`]'s:
//!
//! * **getters** (`&self`): [`phase`](QrLogin::phase), [`url`](QrLogin::url),
//!   [`home_dc`](QrLogin::home_dc), [`password_info`](QrLogin::password_info), ...
//! * **`handle_*`**: input from the network, the clock and slow work —
//!   [`handle_response`](QrLogin::handle_response), [`handle_failure`](QrLogin::handle_failure),
//!   [`handle_timeout`](QrLogin::handle_timeout), [`handle_work`](QrLogin::handle_work), and
//!   the updates the caller's MTProto session receives:
//!   [`handle_update_bytes`](QrLogin::handle_update_bytes) (an `Update` or an `Updates`
//!   container) / [`handle_update`](QrLogin::handle_update);
//! * **commands**: the user's answers — [`submit_password`](QrLogin::submit_password),
//!   [`cancel`](QrLogin::cancel). A command in the wrong phase returns a [`UsageError`] and
//!   changes nothing;
//! * **`poll_*`**: output — [`poll_transmit`](QrLogin::poll_transmit),
//!   [`poll_event`](QrLogin::poll_event), [`poll_timeout`](QrLogin::poll_timeout),
//!   [`poll_work`](QrLogin::poll_work).
//!
//! # States
//!
//! ```text
//! new ─► exportLoginToken ─┬─ loginToken ─► AwaitingScan (QrEvent::Token: show the QR code)
//!                          │                  ├─ expires_at passed ─► exportLoginToken
//!                          │                  └─ updateLoginToken ──► exportLoginToken
//!                          ├─ loginTokenSuccess ─► Done
//!                          └─ loginTokenMigrateTo{dc, token} ─► DcChanged
//!                               ─► importLoginToken on dc (answered like exportLoginToken)
//! updateLoginToken while an export is on its way ─► export again after its answer
//! SESSION_PASSWORD_NEEDED (export or import) ─► account.getPassword ─► AwaitingPassword
//!   ─submit_password─► work ─► auth.checkPassword ─► Done   (the phone login's password step)
//! AUTH_TOKEN_* ─► Failed(LoginTokenRejected)      any call ─FLOOD_WAIT_X─► wait, re-send
//! any state ─cancel─► Cancelled (nothing to tell the server: an unscanned token just expires)
//! ```
//!
//! The password step is the phone login's: the QR login embeds a [`Login`] started at
//! `account.getPassword` and forwards the password commands and its calls, so a caller drives
//! one machine from start to end. Its request ids continue the QR login's.
//!
//! # Time
//!
//! `auth.loginToken.expires` is unix time. The caller passes the wall-clock unix time once, to
//! [`QrLogin::new`], with the `now` it belongs to; later unix times are that plus the time
//! elapsed since. A token is replaced when its expiry passes on that clock, but never sooner
//! than [`MIN_TOKEN_LIFETIME`] (a wrong wall clock does not make the login export in a tight
//! loop) nor later than [`MAX_TOKEN_LIFETIME`] after it arrived.

mod event;
mod reply;
mod updates;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rand_core::CryptoRng;

use crate::{
    DcId,
    account::PasswordInfo,
    entropy::Entropy,
    error::UsageError,
    login::{Config, Login},
    machine::{Call, Machine},
    phase::Phase,
    tl::{DecodeError, Layer, enums, functions},
    transport::{RequestId, Transmit, TransportFailure},
    work::{Work, WorkDone},
};

pub use event::{QrEvent, QrUrl};

/// A token is shown at least this long, whatever its `expires` says.
pub const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(5);
/// A token is replaced at the latest this long after it arrived, whatever its `expires` says.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// Where the login is.
#[derive(Debug)]
enum Step {
    /// `auth.exportLoginToken` on its way.
    Export(Call<functions::auth::ExportLoginToken>),
    /// `auth.importLoginToken` on its way (after `auth.loginTokenMigrateTo`).
    Import(Call<functions::auth::ImportLoginToken>),
    /// A token is shown until `refresh_at`.
    Showing { url: QrUrl, refresh_at: Instant },
    /// The phone login's password step; its request id `n` is ours `base + n`.
    Password { login: Box<Login>, base: u64 },
    /// A terminal event was emitted.
    Finished,
}

/// A QR-code login. See the [module documentation](self) for its shape and states.
///
/// ```
/// use std::time::Instant;
/// use auth_core::Phase;
/// use auth_core::login::Config;
/// use auth_core::qr::{QrEvent, QrLogin};
/// use auth_core::tl::{Serialize, enums, types};
///
/// let now = Instant::now();
/// let unix_now = 1_767_225_600; // wall-clock time, from the caller
/// let mut os = rand_core::UnwrapErr(getrandom::SysRng); // the OS generator
/// let mut qr = QrLogin::new(Config::new(12345, "0123abcd"), &[], &mut os, now, unix_now)?;
/// let export = qr.poll_transmit().expect("auth.exportLoginToken is queued");
/// let token = enums::auth::LoginToken::from(types::auth::LoginToken {
///     expires: (unix_now + 30) as i32,
///     token: vec![1, 2, 3].into(),
/// });
/// qr.handle_response(now, export.id, &token.to_bytes())?;
/// let Some(QrEvent::Token(url)) = qr.poll_event() else { unreachable!() };
/// assert_eq!(url.url(), "tg://login?token=AQID");
/// assert_eq!(qr.phase(), Phase::AwaitingScan);
/// assert_eq!(qr.poll_timeout(), Some(now + std::time::Duration::from_secs(30)));
/// # Ok::<(), auth_core::UsageError>(())
/// ```
#[derive(Debug)]
pub struct QrLogin {
    config: Config,
    layer: Layer,
    except_ids: Vec<i64>,
    home_dc: DcId,
    /// A `now` and the unix time it was: converts `expires` to deadlines.
    clock: (Instant, i64),
    entropy: Entropy,
    /// The id the next request gets; every id below it was handed out.
    next_id: u64,
    step: Step,
    /// An `updateLoginToken` arrived while an export was on its way: export again.
    accepted: bool,
    /// `auth.loginTokenMigrateTo` answers followed.
    migrations: u32,
    /// Tokens received so far.
    tokens: u32,
    transmits: VecDeque<Transmit>,
    events: VecDeque<QrEvent>,
}

impl QrLogin {
    /// Starts a QR login: queues `auth.exportLoginToken` to `config.session.dc`.
    ///
    /// `except_ids` are the user ids already logged in on this app (the server will not log
    /// one of them in twice). `rng` is the caller's cryptographic generator (the OS's in
    /// production); it seeds the SRP secret if a password is needed. `unix_now` is the
    /// wall-clock unix time at `now`. Of `config`, the credentials and the session apply.
    ///
    /// # Errors
    ///
    /// Unusable credentials, or an unsupported layer.
    pub fn new<R: CryptoRng + ?Sized>(
        config: Config,
        except_ids: &[i64],
        rng: &mut R,
        now: Instant,
        unix_now: i64,
    ) -> Result<Self, UsageError> {
        let layer = config.check()?;
        let mut qr = QrLogin {
            home_dc: config.session.dc,
            config,
            layer,
            except_ids: except_ids.to_vec(),
            clock: (now, unix_now),
            entropy: Entropy::from_rng(rng),
            next_id: 0,
            step: Step::Finished,
            accepted: false,
            migrations: 0,
            tokens: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        };
        qr.export(now);
        qr.pump(now);
        Ok(qr)
    }

    // ----- getters -----

    /// What the login is doing: `Working`, `AwaitingScan`, `AwaitingPassword` or `Finished`.
    pub fn phase(&self) -> Phase {
        match &self.step {
            Step::Export(_) | Step::Import(_) => Phase::Working,
            Step::Showing { .. } => Phase::AwaitingScan,
            Step::Password { login, .. } => match login.phase() {
                Phase::AwaitingPassword => Phase::AwaitingPassword,
                Phase::Finished => Phase::Finished,
                _ => Phase::Working,
            },
            Step::Finished => Phase::Finished,
        }
    }

    /// Whether a terminal event was emitted.
    pub fn is_finished(&self) -> bool {
        self.phase() == Phase::Finished
    }

    /// The token being shown (in `AwaitingScan`).
    pub fn url(&self) -> Option<&QrUrl> {
        match &self.step {
            Step::Showing { url, .. } => Some(url),
            _ => None,
        }
    }

    /// The data center every request goes to now.
    pub fn home_dc(&self) -> DcId {
        self.home_dc
    }

    /// The user ids sent as `except_ids`.
    pub fn except_ids(&self) -> &[i64] {
        &self.except_ids
    }

    /// How many tokens the server handed out so far (each one a `QrEvent::Token`).
    pub fn tokens_received(&self) -> u32 {
        self.tokens
    }

    /// What the server said about the 2FA password, once it asked for one.
    pub fn password_info(&self) -> Option<&PasswordInfo> {
        self.password_login()?.password_info()
    }

    /// The layer replies are decoded at.
    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// Wrong passwords entered so far.
    pub fn password_attempts(&self) -> u32 {
        self.password_login().map_or(0, Login::password_attempts)
    }

    fn password_login(&self) -> Option<&Login> {
        match &self.step {
            Step::Password { login, .. } => Some(login),
            _ => None,
        }
    }

    // ----- poll_* -----

    /// The next call to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<QrEvent> {
        self.events.pop_front()
    }

    /// The password step's slow work, once: run [`Work::run`] where slow work belongs and
    /// hand the result to [`handle_work`](Self::handle_work).
    pub fn poll_work(&mut self) -> Option<Work> {
        match &mut self.step {
            Step::Password { login, .. } => login.poll_work(),
            _ => None,
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called: a token's expiry,
    /// a flood wait's or retry delay's end, the call in flight's deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.step {
            Step::Export(call) => call.poll_timeout(),
            Step::Import(call) => call.poll_timeout(),
            Step::Showing { refresh_at, .. } => Some(*refresh_at),
            Step::Password { login, .. } => login.poll_timeout(),
            Step::Finished => None,
        }
    }

    // ----- handle_* -----

    /// The clock reached `now`: exports a new token when the shown one expired, re-sends a
    /// request whose wait is over.
    pub fn handle_timeout(&mut self, now: Instant) {
        // A request whose deadline passed before the driver polled it never goes out.
        let live = match &mut self.step {
            Step::Export(call) => {
                call.handle_timeout(now);
                Some(call.in_flight_id())
            }
            Step::Import(call) => {
                call.handle_timeout(now);
                Some(call.in_flight_id())
            }
            Step::Showing { refresh_at, .. } if *refresh_at <= now => {
                self.export(now);
                None
            }
            Step::Password { login, base } => {
                login.handle_timeout(now);
                Some(
                    login
                        .in_flight_id()
                        .map(|id| RequestId(base.saturating_add(id.0))),
                )
            }
            Step::Showing { .. } | Step::Finished => None,
        };
        if let Some(live) = live {
            self.transmits.retain(|t| Some(t.id) == live);
        }
        self.pump(now);
    }

    /// The answer to request `id`: a TL-serialized result or `rpc_error`.
    ///
    /// # Errors
    ///
    /// [`UsageError::UnknownRequest`] only for an id this login never sent; late answers to
    /// requests it abandoned are ignored.
    pub fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UsageError> {
        self.feed(now, id, |m, now, id| m.handle_response(now, id, body))
    }

    /// Request `id` could not be delivered (or its answer was lost): retried per the retry
    /// policy, then the login fails.
    ///
    /// # Errors
    ///
    /// [`UsageError::UnknownRequest`] only for an id this login never sent.
    pub fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError> {
        self.feed(now, id, |m, now, id| m.handle_failure(now, id, failure))
    }

    /// The result of work from [`poll_work`](Self::poll_work).
    ///
    /// # Errors
    ///
    /// [`UsageError::StaleWork`] for work the login no longer waits for.
    pub fn handle_work(&mut self, now: Instant, done: WorkDone) -> Result<(), UsageError> {
        match &mut self.step {
            Step::Password { login, .. } => login.handle_work(now, done)?,
            _ => return Err(UsageError::StaleWork),
        }
        self.pump(now);
        Ok(())
    }

    /// An update the caller's session received. `updateLoginToken` (another device accepted
    /// the token) makes the login export again, which logs in; other updates, and updates
    /// that come when no token is out, are ignored.
    pub fn handle_update(&mut self, now: Instant, update: &enums::Update) {
        if matches!(update, enums::Update::LoginToken(_)) {
            self.on_token_accepted(now);
        }
    }

    fn on_token_accepted(&mut self, now: Instant) {
        match self.step {
            Step::Showing { .. } => {
                self.export(now);
                self.pump(now);
            }
            Step::Export(_) => self.accepted = true,
            Step::Import(_) | Step::Password { .. } | Step::Finished => {}
        }
    }

    /// [`handle_update`](Self::handle_update) for what the session received, at its layer: a
    /// boxed `Update`, or an `Updates` container — `updateShort`, `updates`,
    /// `updatesCombined` — holding `updateLoginToken` (see the module `updates` for how a
    /// container is searched).
    ///
    /// # Errors
    ///
    /// The bytes are neither a container nor an `Update` this crate knows (`updateLoginToken`,
    /// `updateNewAuthorization`); the login is unchanged.
    pub fn handle_update_bytes(&mut self, now: Instant, body: &[u8]) -> Result<(), DecodeError> {
        if updates::carries_login_token(self.layer.mask(), body)? {
            self.on_token_accepted(now);
        }
        Ok(())
    }

    /// Routes an answer to the call it belongs to.
    fn feed(
        &mut self,
        now: Instant,
        id: RequestId,
        apply: impl FnOnce(&mut dyn Answerable, Instant, RequestId) -> Result<(), RequestId>,
    ) -> Result<(), UsageError> {
        let unknown = if id.0 < self.next_id {
            Ok(())
        } else {
            Err(UsageError::UnknownRequest(id))
        };
        let result = match &mut self.step {
            Step::Export(call) => apply(call, now, id),
            Step::Import(call) => apply(call, now, id),
            Step::Password { login, base } => match id.0.checked_sub(*base) {
                Some(inner) => apply(login.as_mut(), now, RequestId(inner)),
                // An answer to a QR call abandoned before the password step.
                None => return unknown,
            },
            Step::Showing { .. } | Step::Finished => return unknown,
        };
        result.map_err(|_| UsageError::UnknownRequest(id))?;
        self.pump(now);
        Ok(())
    }

    // ----- commands -----

    /// The 2FA password the user typed (in `AwaitingPassword`): checking it is handed out as
    /// work ([`poll_work`](Self::poll_work)), as in the phone login.
    ///
    /// # Errors
    ///
    /// The wrong phase.
    pub fn submit_password(&mut self, now: Instant, password: &[u8]) -> Result<(), UsageError> {
        let login = self.awaiting_password("submit_password")?;
        login.submit_password(now, password)?;
        self.pump(now);
        Ok(())
    }

    /// Ends the login with `Cancelled` at once (an unscanned token needs no cancelling: it
    /// expires). Nothing happens after the login finished.
    pub fn cancel(&mut self, now: Instant) {
        match &mut self.step {
            Step::Finished => {}
            Step::Password { login, .. } => {
                login.cancel(now);
                self.pump(now);
            }
            _ => self.finish(QrEvent::Cancelled),
        }
    }

    fn awaiting_password(&mut self, command: &'static str) -> Result<&mut Login, UsageError> {
        let phase = self.phase();
        match &mut self.step {
            Step::Password { login, .. } if phase == Phase::AwaitingPassword => Ok(login),
            _ => Err(UsageError::WrongPhase { command, phase }),
        }
    }

    // ----- internals -----

    /// Queues `auth.exportLoginToken` on the home DC.
    fn export(&mut self, now: Instant) {
        let call = functions::auth::ExportLoginToken {
            api_id: self.config.api_id,
            api_hash: self.config.api_hash.clone(),
            except_ids: self.except_ids.clone(),
        };
        self.step = Step::Export(Call::start(
            self.home_dc,
            self.layer,
            self.config.session.retry.clone(),
            call,
            self.next_id,
            now,
        ));
    }

    /// Queues `auth.importLoginToken` with `token` on the home DC.
    fn import(&mut self, now: Instant, token: crate::tl::SecretBytes) {
        let call = functions::auth::ImportLoginToken { token };
        self.step = Step::Import(Call::start(
            self.home_dc,
            self.layer,
            self.config.session.retry.clone(),
            call,
            self.next_id,
            now,
        ));
    }

    /// Continues with the phone login's password step on the home DC.
    fn start_password(&mut self, now: Instant) {
        let entropy = self.entropy.fork(b"tgauth/qr/password");
        let login =
            Login::for_password(self.config.clone(), self.layer, self.home_dc, entropy, now);
        self.step = Step::Password {
            login: Box::new(login),
            base: self.next_id,
        };
    }

    /// The unix time at `now`, on the caller's clock.
    fn unix_time(&self, now: Instant) -> i64 {
        let (at, unix) = self.clock;
        let elapsed = now.saturating_duration_since(at).as_secs();
        unix.saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX))
    }

    /// When a token expiring at unix time `expires`, received at `now`, is replaced.
    fn refresh_at(&self, now: Instant, expires: i64) -> Instant {
        let left = expires.saturating_sub(self.unix_time(now));
        let left = Duration::from_secs(u64::try_from(left).unwrap_or(0))
            .clamp(MIN_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME);
        now.checked_add(left).unwrap_or(now)
    }

    fn finish(&mut self, event: QrEvent) {
        self.step = Step::Finished;
        self.transmits.clear();
        self.events.push_back(event);
    }

    fn fail(&mut self, error: crate::Error) {
        self.finish(QrEvent::Failed(error));
    }
}

/// What an answer can be fed to: a QR call, or the embedded password login. The error is the
/// unknown id.
trait Answerable {
    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), RequestId>;
    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), RequestId>;
}

impl<M: Machine> Answerable for M {
    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), RequestId> {
        Machine::handle_response(self, now, id, body).map_err(|_| id)
    }

    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), RequestId> {
        Machine::handle_failure(self, now, id, failure).map_err(|_| id)
    }
}

impl Machine for QrLogin {
    type Event = QrEvent;

    fn phase(&self) -> Phase {
        QrLogin::phase(self)
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        QrLogin::poll_transmit(self)
    }
    fn poll_event(&mut self) -> Option<QrEvent> {
        QrLogin::poll_event(self)
    }
    fn poll_work(&mut self) -> Option<Work> {
        QrLogin::poll_work(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        QrLogin::poll_timeout(self)
    }
    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UsageError> {
        QrLogin::handle_response(self, now, id, body)
    }
    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError> {
        QrLogin::handle_failure(self, now, id, failure)
    }
    fn handle_timeout(&mut self, now: Instant) {
        QrLogin::handle_timeout(self, now);
    }
    fn handle_work(&mut self, now: Instant, done: WorkDone) -> Result<(), UsageError> {
        QrLogin::handle_work(self, now, done)
    }
}
