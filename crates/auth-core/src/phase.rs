//! [`Phase`]: what a machine is doing, one vocabulary for every flow.

/// What a machine is doing, as far as its caller is concerned.
///
/// Every machine reports one of these from `phase()`; each uses the phases its flow has (listed
/// on the machine). While a machine is `Awaiting*`, everything a UI needs to ask the question
/// is available from the machine's getters, not only from the event that led there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Phase {
    /// A call is on its way, slow work is handed out (`poll_work`), or the machine waits out a
    /// flood wait or retry delay. Nothing to ask.
    Working,
    /// Waiting for the login code (`sent_code()` says how it was sent).
    AwaitingCode,
    /// Waiting for the user to accept the terms of service and give a name, or decline.
    AwaitingSignUp,
    /// Waiting for the 2FA password (`password_info()`), or a recovery code once one was sent.
    AwaitingPassword,
    /// Waiting for an email address (or a Google/Apple ID token, where allowed).
    AwaitingEmail,
    /// Waiting for the code sent to an email address (`email_code()`).
    AwaitingEmailCode,
    /// Waiting for the token of Google's Firebase phone-number verification
    /// (`firebase_intent()` says what to verify).
    AwaitingFirebaseToken,
    /// A Firebase SMS is offered but not sent yet: waiting for the app's device-integrity
    /// proof (a Play Integrity or SafetyNet token, an iOS push secret; `sent_code()` carries
    /// the nonces), or for the reason the check failed.
    AwaitingIntegrityCheck,
    /// The login needs a payment before a code is sent (`payment_required()`): waiting for the
    /// app to make it and continue, or to decline.
    AwaitingPayment,
    /// A QR login token is shown: waiting for another device to accept it.
    AwaitingScan,
    /// The 2FA settings are known: waiting for the change to make.
    AwaitingChange,
    /// Waiting for the code sent to the recovery email.
    AwaitingRecoveryCode,
    /// Done, cancelled or failed: the terminal event was emitted.
    Finished,
}

impl Phase {
    /// Whether the machine waits for the user (an `Awaiting*` phase).
    pub fn awaits_user(self) -> bool {
        !matches!(self, Phase::Working | Phase::Finished)
    }
}
