//! Sessions of logged-in accounts: listing, new-login updates, confirming and resetting,
//! invalidating sign-in codes, frozen accounts.

use auth_core::tl::{enums, functions, types};
use auth_core::{DcId, RpcError};
use auth_sim::KeyStatus;

use crate::common::*;

const PHONE: &str = "9996621234";

fn list(h: &mut H, dc: i32, key: u64) -> Vec<types::Authorization> {
    let enums::account::Authorizations::Authorizations(a) = h
        .call(dc, key, &functions::account::GetAuthorizations {})
        .expect("account.authorizations");
    assert_eq!(a.authorization_ttl_days, 180);
    a.authorizations
        .into_iter()
        .map(|enums::Authorization::Authorization(a)| a)
        .collect()
}

fn hash_of(h: &mut H, dc: i32, key: u64) -> i64 {
    list(h, dc, key)
        .into_iter()
        .find(|a| a.current)
        .expect("the current session is listed")
        .hash
}

fn new_logins(h: &mut H, user_id: i64) -> Vec<types::UpdateNewAuthorization> {
    h.sim
        .take_new_authorization_updates(user_id)
        .into_iter()
        .map(|u| match u {
            enums::Update::NewAuthorization(u) => u,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn change(hash: i64, confirmed: bool) -> functions::account::ChangeAuthorizationSettings {
    functions::account::ChangeAuthorizationSettings {
        confirmed,
        hash,
        encrypted_requests_disabled: None,
        call_requests_disabled: None,
    }
}

#[test]
fn sessions_are_listed_per_account() {
    let mut h = H::new();
    let id = user(&h.login(2, 1, PHONE)).id;
    let one = list(&mut h, 2, 1);
    assert_eq!(one.len(), 1);
    let me = &one[0];
    assert!(me.current && !me.unconfirmed && me.hash != 0);
    assert_eq!(me.device_model, "auth-sim key 0x1");
    assert_eq!(
        (me.country.as_str(), me.region.as_str()),
        ("Simulated", "DC 2")
    );
    assert_eq!(i64::from(me.date_created), h.sim.unix_time(h.now));

    h.login(2, 2, PHONE);
    h.login(2, 7, "9996625555"); // another account
    let two = list(&mut h, 2, 1);
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].hash, me.hash, "the current session comes first");
    assert!(!two[1].current);
    assert_eq!(two[1].device_model, "auth-sim key 0x2");
    let inspected = h.sim.authorizations(id);
    assert_eq!(
        inspected.iter().map(|a| a.hash).collect::<Vec<_>>(),
        [two[0].hash, two[1].hash]
    );
    assert!(inspected.iter().all(|a| !a.current));

    h.call(2, 2, &functions::auth::LogOut {}).expect("logout");
    assert_eq!(list(&mut h, 2, 1).len(), 1, "a logout ends its session");
    assert_eq!(h.sim.authorizations(id).len(), 1);
}

#[test]
fn new_login_is_unconfirmed_and_announced() {
    let mut h = H::new();
    let id = user(&h.login(2, 1, PHONE)).id;
    assert!(
        new_logins(&mut h, id).is_empty(),
        "the first login announces nothing"
    );

    h.advance(std::time::Duration::from_secs(30));
    h.login(2, 2, PHONE);
    let hash = hash_of(&mut h, 2, 2);
    let updates = new_logins(&mut h, id);
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].hash, hash);
    assert!(updates[0].unconfirmed());
    let details = updates[0].details.clone().expect("date, device, location");
    assert_eq!(i64::from(details.date), h.sim.unix_time(h.now));
    assert_eq!(details.device, "auth-sim key 0x2");
    assert_eq!(details.location, "Simulated DC 2");
    assert!(new_logins(&mut h, id).is_empty(), "drained");
    let listed = list(&mut h, 2, 1);
    assert!(listed.iter().any(|a| a.hash == hash && a.unconfirmed));

    // A hand-off to another DC is the same client: confirmed, announced to nobody.
    let enums::auth::ExportedAuthorization::ExportedAuthorization(ex) = h
        .call(2, 1, &functions::auth::ExportAuthorization { dc_id: 4 })
        .expect("export");
    authorization(h.call(
        4,
        1,
        &functions::auth::ImportAuthorization {
            id: ex.id,
            bytes: ex.bytes,
        },
    ));
    assert!(new_logins(&mut h, id).is_empty());
    assert!(
        h.sim
            .authorizations(id)
            .iter()
            .all(|a| a.hash == hash || !a.unconfirmed)
    );
    assert_eq!(h.sim.authorizations(id).len(), 3);
}

#[test]
fn confirm_and_reset_authorization() {
    let mut h = H::new();
    let id = user(&h.login(2, 1, PHONE)).id;
    h.login(2, 2, PHONE);
    h.login(2, 3, PHONE);
    let first = hash_of(&mut h, 2, 1);
    let second = hash_of(&mut h, 2, 2);
    let third = hash_of(&mut h, 2, 3);
    let fresh = |r: Result<bool, RpcError>| {
        let e = rpc_err(r);
        (e.code, e.name)
    };
    let forbidden = (406, "FRESH_RESET_AUTHORISATION_FORBIDDEN".to_owned());
    // An unconfirmed session can neither confirm nor reset.
    assert_eq!(
        fresh(h.call(
            2,
            2,
            &functions::account::ResetAuthorization { hash: first }
        )),
        forbidden
    );
    assert_eq!(fresh(h.call(2, 2, &change(second, true))), forbidden);
    assert_eq!(err(h.call(2, 1, &change(12345, true))), "HASH_INVALID");

    assert_eq!(h.call(2, 1, &change(second, true)), Ok(true));
    let mut settings = change(second, false);
    settings.call_requests_disabled = Some(true);
    assert_eq!(h.call(2, 1, &settings), Ok(true));
    let listed = list(&mut h, 2, 1);
    let s = listed.iter().find(|a| a.hash == second).expect("listed");
    assert!(!s.unconfirmed && s.call_requests_disabled && !s.encrypted_requests_disabled);

    // Rejecting a login logs its key out.
    assert_eq!(
        h.call(
            2,
            2,
            &functions::account::ResetAuthorization { hash: third }
        ),
        Ok(true),
        "a confirmed session may reset"
    );
    assert_eq!(h.sim.key_status(DcId(2), 3), KeyStatus::Unauthorized);
    assert_eq!(
        err(h.call(2, 3, &functions::account::GetAuthorizations {})),
        "AUTH_KEY_UNREGISTERED"
    );
    assert_eq!(
        err(h.call(
            2,
            1,
            &functions::account::ResetAuthorization { hash: third }
        )),
        "HASH_INVALID",
        "gone"
    );
    assert_eq!(
        err(h.call(
            2,
            1,
            &functions::account::ResetAuthorization { hash: first }
        )),
        "HASH_INVALID",
        "not the caller's own session: that is auth.logOut"
    );
    // Another account's session cannot be named.
    h.login(2, 9, "9996625555");
    let foreign = hash_of(&mut h, 2, 9);
    assert_eq!(
        err(h.call(
            2,
            1,
            &functions::account::ResetAuthorization { hash: foreign }
        )),
        "HASH_INVALID"
    );
    assert_eq!(h.sim.authorizations(id).len(), 2);
}

#[test]
fn invalidate_sign_in_codes_for_the_account() {
    let mut h = H::new();
    h.login(2, 1, PHONE);
    h.login(2, 8, "9996625555");
    // Codes now waiting on other keys: both numbers' codes are 22222 (test numbers).
    let mine = h.sent(2, 9, PHONE);
    let theirs = h.sent(2, 10, "9996625555");
    let invalidate = |codes: &[&str]| functions::account::InvalidateSignInCodes {
        codes: codes.iter().map(|c| (*c).into()).collect(),
    };
    assert_eq!(
        err(h.call(2, 11, &invalidate(&["22222"]))),
        "AUTH_KEY_UNREGISTERED",
        "only a logged-in key may"
    );
    assert_eq!(h.call(2, 1, &invalidate(&[])), Ok(true));
    assert_eq!(h.call(2, 1, &invalidate(&["11111", "2222"])), Ok(true));
    assert_eq!(h.call(2, 1, &invalidate(&["22222"])), Ok(true));
    assert_eq!(
        err(h.sign_in(2, 9, PHONE, &mine.phone_code_hash, "22222")),
        "PHONE_CODE_EXPIRED",
        "the account's code is gone"
    );
    authorization(h.sign_in(2, 10, "9996625555", &theirs.phone_code_hash, "22222"));
}

#[test]
fn frozen_account_is_read_only() {
    let mut h = H::new();
    let id = user(&h.login(2, 1, PHONE)).id;
    let other = user(&h.login(2, 2, "9996625555")).id;
    assert!(!h.sim.set_frozen(-1, true), "no such account");
    assert!(h.sim.set_frozen(id, true));
    assert!(h.sim.is_frozen(id) && !h.sim.is_frozen(other));
    let e = rpc_err(h.call(2, 1, &functions::account::GetAuthorizations {}));
    assert_eq!((e.code, e.name.as_str()), (420, "FROZEN_METHOD_INVALID"));
    let get_state = 0xedd4_882a_u32.to_le_bytes(); // updates.getState, not simulated
    let e = RpcError::decode(&h.sim.handle(h.now, DcId(2), 1, &get_state)).expect("rpc_error");
    assert_eq!((e.code, e.name.as_str()), (420, "FROZEN_METHOD_INVALID"));
    h.call(2, 1, &functions::help::GetNearestDc {})
        .expect("help.* works");
    assert_eq!(list(&mut h, 2, 2).len(), 1, "other accounts are not frozen");
    // A key that is not logged in is judged as before.
    assert_eq!(
        err(h.call(2, 3, &functions::account::GetAuthorizations {})),
        "AUTH_KEY_UNREGISTERED"
    );
    assert!(h.sim.set_frozen(id, false));
    assert_eq!(list(&mut h, 2, 1).len(), 1);
    assert!(h.sim.set_frozen(id, true));
    h.call(2, 1, &functions::auth::LogOut {})
        .expect("auth.* works");
}
