//! Firebase SMS (api/auth, `auth.sentCodeTypeFirebaseSms`): the SMS is sent only once the app
//! proves the device's integrity with `auth.requestFirebaseSms`. The simulator plays both
//! outcomes: a proof it accepts sends the SMS (`true`); any other gets `false`, and the client
//! moves on with `auth.resendCode`.

use std::time::Instant;

use auth_core::tl::functions;

use crate::Sim;
use crate::inspect::Delivery;
use crate::keys::KeyId;
use crate::rpc::{Answered, code_expired};

/// The Google Cloud project number the simulator's Play Integrity requests name.
pub(crate) const PLAY_INTEGRITY_PROJECT: i64 = 1_234_567_890;
/// How long an iOS app waits for the simulator's Firebase push, in seconds.
pub(crate) const PUSH_TIMEOUT_SECS: i32 = 30;

/// The SafetyNet or Play Integrity token the simulator accepts for `nonce`, as a real device's
/// attestation would vouch for it: `sim-integrity:` and the nonce in lowercase hex.
///
/// ```
/// assert_eq!(auth_sim::integrity_token(&[0xab, 1]), "sim-integrity:ab01");
/// ```
pub fn integrity_token(nonce: &[u8]) -> String {
    let hex: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    format!("sim-integrity:{hex}")
}

impl Sim {
    pub(crate) fn request_firebase_sms(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::RequestFirebaseSms,
    ) -> Answered<bool> {
        let slot = self.lookup_code(now, at, &req.phone_number, &req.phone_code_hash)?;
        let p = self.codes.get(&slot).ok_or_else(code_expired)?;
        let Some(offer) = &p.firebase else {
            // No Firebase SMS waits here (none offered, or already sent).
            return Ok(false);
        };
        let android = offer.android.as_ref();
        let accepted = match (
            &req.safety_net_token,
            &req.play_integrity_token,
            &req.ios_push_secret,
        ) {
            (Some(token), None, None) => {
                android.is_some_and(|(nonce, _)| *token == integrity_token(nonce))
            }
            (None, Some(token), None) => {
                android.is_some_and(|(_, nonce)| *token == integrity_token(nonce))
            }
            (None, None, Some(secret)) => offer
                .ios
                .as_ref()
                .is_some_and(|(_, expected)| secret == expected),
            _ => false,
        };
        if !accepted {
            return Ok(false);
        }
        let code = p.expected();
        if let Some(p) = self.codes.get_mut(&slot) {
            p.firebase = None;
            p.sent_at = now;
        }
        self.deliver(Delivery::Sms {
            phone: slot.1.clone(),
            code,
        });
        Ok(true)
    }
}
