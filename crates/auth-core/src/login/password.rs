//! The login's 2FA password step: the challenge from `account.password`, the typed password
//! checked by handed-out [`Work`](crate::work::Work), and a renewed challenge checked again
//! with the same password, here rather than in every driver.

use std::time::Instant;

use zeroize::Zeroizing;

use crate::{
    account::PasswordInfo,
    error::{Error, UsageError},
    phase::Phase,
    tl,
    work::{NewPasswordAlgo, WorkDone, algo_from_tl, challenge_from_tl},
};

use super::{
    Login, LoginEvent, PasswordFetch, PasswordState, WorkFor,
    request::{RecoveryPassword, Request},
};

impl Login {
    /// The 2FA password the user typed (in `AwaitingPassword`). Checking it is slow work:
    /// the login hands it out with [`poll_work`](Self::poll_work) and sends
    /// `auth.checkPassword` once [`handle_work`](Self::handle_work) brings the result. The
    /// password is kept (zeroized on drop) until the server accepts or refuses it, so a
    /// challenge the server renews is checked again without asking.
    ///
    /// # Errors
    ///
    /// The wrong phase.
    pub fn submit_password(&mut self, now: Instant, password: &[u8]) -> Result<(), UsageError> {
        let _ = now;
        self.expect("submit_password", Phase::AwaitingPassword)?;
        let Some(state) = self.password.as_mut() else {
            return Err(UsageError::WrongPhase {
                command: "submit_password",
                phase: self.phase,
            });
        };
        state.typed = Some(Zeroizing::new(password.to_vec()));
        self.queue_check();
        Ok(())
    }

    /// The result of work from [`poll_work`](Self::poll_work).
    ///
    /// # Errors
    ///
    /// [`UsageError::StaleWork`] for work the login no longer waits for (it moved on).
    pub fn handle_work(&mut self, now: Instant, done: WorkDone) -> Result<(), UsageError> {
        let done = self.work.take(done)?;
        match (self.work_for.take(), done.check, done.new_hash) {
            (Some(WorkFor::Check), Some(Ok(check)), _) => {
                self.send(now, Request::CheckPassword(Box::new(check)));
            }
            (Some(WorkFor::Recover(code)), _, Some(Ok(hash))) => self.send(
                now,
                Request::RecoverPassword {
                    code,
                    new_password: Some(Box::new(RecoveryPassword(hash))),
                },
            ),
            (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => {
                self.fail(Error::PasswordParameters(e));
            }
            _ => return Err(UsageError::StaleWork),
        }
        Ok(())
    }

    /// Hands out the check of the kept password against the current challenge.
    fn queue_check(&mut self) {
        let Some(state) = self.password.as_ref() else {
            return;
        };
        let (Some(challenge), Some(typed)) = (&state.challenge, &state.typed) else {
            return;
        };
        self.work.queue(Some((challenge, typed)), None);
        self.work_for = Some(WorkFor::Check);
        self.phase = Phase::Working;
    }

    /// Hands out the hash of the new password that goes with a recovery code.
    pub(super) fn queue_recovery_hash(
        &mut self,
        code: Zeroizing<String>,
        algo: &NewPasswordAlgo,
        password: &[u8],
    ) {
        self.work.queue(None, Some((algo, password)));
        self.work_for = Some(WorkFor::Recover(code));
        self.phase = Phase::Working;
    }

    /// `account.password` arrived: a challenge is built (the slow parts come later); on a
    /// renewal, the kept password is checked again.
    pub(super) fn on_password(&mut self, purpose: PasswordFetch, p: &tl::types::account::Password) {
        let request = Request::GetPassword(purpose).name();
        let challenge = match challenge_from_tl(p, &mut self.entropy, b"tgauth/login/srp") {
            Ok(Some(c)) => c,
            Ok(None) => {
                return self.fail(Error::UnexpectedReply {
                    method: request,
                    what: "account.password without a password".into(),
                });
            }
            Err(e) => return self.fail(e),
        };
        // A recovery code can set a new password: its salt is drawn now, like `a`.
        self.new_password_algo =
            algo_from_tl(&p.new_algo).map(|a| NewPasswordAlgo::draw(&a, &mut self.entropy));
        let info = PasswordInfo::from_tl(p);
        let state = self.password.get_or_insert(PasswordState {
            info: info.clone(),
            challenge: None,
            attempts: 0,
            renewals: 0,
            typed: None,
        });
        state.info = info.clone();
        state.challenge = Some(challenge);
        let attempts = state.attempts;
        self.phase = Phase::AwaitingPassword;
        match purpose {
            PasswordFetch::First => self.events.push_back(LoginEvent::PasswordRequired(info)),
            PasswordFetch::AfterInvalid => {
                self.events
                    .push_back(LoginEvent::PasswordInvalid { attempts });
            }
            // The same password, against the new challenge: nobody is asked.
            PasswordFetch::Renew => self.queue_check(),
        }
    }

    /// `PASSWORD_HASH_INVALID`: the kept password is forgotten and a new challenge fetched.
    pub(super) fn on_wrong_password(&mut self, now: Instant) {
        if let Some(p) = self.password.as_mut() {
            p.attempts += 1;
            p.renewals = 0;
            p.typed = None;
        }
        self.send(now, Request::GetPassword(PasswordFetch::AfterInvalid));
    }

    /// `SRP_ID_INVALID` / `SRP_PASSWORD_CHANGED`: a new challenge, the same password.
    pub(super) fn on_stale_challenge(&mut self, now: Instant) {
        let renewals = self.password.as_mut().map_or(super::MAX_RENEWALS + 1, |p| {
            p.renewals += 1;
            p.renewals
        });
        if renewals > super::MAX_RENEWALS {
            self.fail(Error::PasswordChallengeUnstable);
        } else {
            self.send(now, Request::GetPassword(PasswordFetch::Renew));
        }
    }
}
