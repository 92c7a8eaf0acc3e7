//! What only the network server can answer, because it needs to know the server's ports or to
//! push: `help.getConfig` (the data centers at this server's ports), `updates.getState` (whether
//! a stored key is still logged in) and the `updateLoginToken` push. These objects have the
//! same layout at every layer from 200 to 230, so they are written by hand here.

use std::net::SocketAddr;
use std::time::Instant;

use auth_core::{DcId, RpcError};
use tl_codec::write;

use crate::{CallRecord, Sim};

/// `help.getConfig#c4f9186b = Config`.
pub(super) const HELP_GET_CONFIG: u32 = 0xc4f9_186b;
/// `updates.getState#edd4882a = updates.State`.
pub(super) const UPDATES_GET_STATE: u32 = 0xedd4_882a;
/// `config#cc1a241e flags:# … = Config`.
const CONFIG: u32 = 0xcc1a_241e;
/// `dcOption#18b7a10d flags:# … id:int ip_address:string port:int … = DcOption`.
const DC_OPTION: u32 = 0x18b7_a10d;
/// `updates.state#a56c2a3e pts:int qts:int date:int seq:int unread_count:int`.
const UPDATES_STATE: u32 = 0xa56c_2a3e;
/// `updateShort#78d4dec1 update:Update date:int = Updates`.
const UPDATE_SHORT: u32 = 0x78d4_dec1;
/// `updateLoginToken#564fe691 = Update`.
const UPDATE_LOGIN_TOKEN: u32 = 0x564f_e691;
const BOOL_TRUE: u32 = 0x9972_75b5;
const VECTOR: u32 = 0x1cb5_c415;
/// `dcOption.this_port_only`: connect on this port only.
const THIS_PORT_ONLY: u32 = 1 << 5;
/// How long a client may keep the config (`expires − date`).
const CONFIG_TTL_SECS: i32 = 3600;

/// Answers `body` if it is one of the network-only methods, with the record for the call log.
pub(super) fn answer(
    sim: &Sim,
    now: Instant,
    dc: DcId,
    key: u64,
    body: &[u8],
    dcs: &[(i32, SocketAddr)],
) -> Option<(Vec<u8>, CallRecord)> {
    let id = u32::from_le_bytes(body.get(..4)?.try_into().ok()?);
    let date = i32::try_from(sim.unix_time(now)).unwrap_or(i32::MAX);
    let (method, result) = match id {
        HELP_GET_CONFIG if body.len() == 4 => ("help.getConfig", Ok(config(date, dc, dcs))),
        UPDATES_GET_STATE if body.len() == 4 => (
            "updates.getState",
            match sim.authorized_user(dc, key) {
                Some(_) => Ok(updates_state(date)),
                None => Err(RpcError::new(401, "AUTH_KEY_UNREGISTERED")),
            },
        ),
        _ => return None,
    };
    let record = CallRecord {
        at: now,
        dc,
        key,
        method,
        method_id: Some(id),
        result: result
            .as_ref()
            .map(|_| result_name(id))
            .map_err(Clone::clone),
    };
    let bytes = result.unwrap_or_else(|e| e.to_bytes());
    Some((bytes, record))
}

/// The answer to a call whose session declared a layer the simulator does not speak.
pub(super) fn layer_refused(
    now: Instant,
    dc: DcId,
    key: u64,
    body: &[u8],
) -> (Vec<u8>, CallRecord) {
    let error = RpcError::new(400, "CONNECTION_LAYER_INVALID");
    let record = CallRecord {
        at: now,
        dc,
        key,
        method: "?",
        method_id: body
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes),
        result: Err(error.clone()),
    };
    (error.to_bytes(), record)
}

fn result_name(method: u32) -> &'static str {
    if method == HELP_GET_CONFIG {
        "config"
    } else {
        "updates.state"
    }
}

/// A `config` whose `dc_options` are this server's DCs, with `test_mode` set.
fn config(date: i32, this_dc: DcId, dcs: &[(i32, SocketAddr)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    write::u32(&mut out, CONFIG);
    write::u32(&mut out, 0); // flags: no optional field
    write::i32(&mut out, date);
    write::i32(&mut out, date.saturating_add(CONFIG_TTL_SECS));
    write::u32(&mut out, BOOL_TRUE); // test_mode
    write::i32(&mut out, this_dc.0);
    write::u32(&mut out, VECTOR);
    write::i32(&mut out, i32::try_from(dcs.len()).unwrap_or(0));
    for (id, addr) in dcs {
        write::u32(&mut out, DC_OPTION);
        let ipv6 = u32::from(addr.is_ipv6());
        write::u32(&mut out, THIS_PORT_ONLY | ipv6);
        write::i32(&mut out, *id);
        write::bytes(&mut out, addr.ip().to_string().as_bytes());
        write::i32(&mut out, i32::from(addr.port()));
    }
    write::bytes(&mut out, b"sim.invalid"); // dc_txt_domain_name
    // chat_size_max … channels_read_media_period: Telegram's usual values.
    for value in [
        200,
        200_000,
        100,
        210_000,
        5_000,
        30_000,
        300_000,
        30_000,
        1_500,
        60_000,
        2,
        172_800,
        i32::MAX,
        i32::MAX,
        2_419_200,
        200,
        604_800,
    ] {
        write::i32(&mut out, value);
    }
    // call_receive_timeout_ms … call_packet_timeout_ms.
    for value in [20_000, 90_000, 30_000, 10_000] {
        write::i32(&mut out, value);
    }
    write::bytes(&mut out, b"https://t.me/"); // me_url_prefix
    for value in [1024, 4096, 4] {
        // caption_length_max, message_length_max, webfile_dc_id
        write::i32(&mut out, value);
    }
    out
}

/// `updates.state` of an account with nothing in it.
fn updates_state(date: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    write::u32(&mut out, UPDATES_STATE);
    for value in [1, 0, date, 0, 0] {
        // pts, qts, date, seq, unread_count
        write::i32(&mut out, value);
    }
    out
}

/// `updateShort{updateLoginToken, date}`, as Telegram pushes it to the exporting session.
pub(super) fn login_token_update(sim: &Sim, now: Instant) -> Vec<u8> {
    let mut out = Vec::with_capacity(12);
    write::u32(&mut out, UPDATE_SHORT);
    write::u32(&mut out, UPDATE_LOGIN_TOKEN);
    write::i32(
        &mut out,
        i32::try_from(sim.unix_time(now)).unwrap_or(i32::MAX),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl_codec::Reader;

    const SCHEMA: &[(u32, &str)] = &[
        (HELP_GET_CONFIG, "help.getConfig#c4f9186b = Config"),
        (
            UPDATES_GET_STATE,
            "updates.getState#edd4882a = updates.State",
        ),
        (
            CONFIG,
            "config#cc1a241e flags:# default_p2p_contacts:flags.3?true preload_featured_stickers:flags.4?true revoke_pm_inbox:flags.6?true blocked_mode:flags.8?true force_try_ipv6:flags.14?true date:int expires:int test_mode:Bool this_dc:int dc_options:Vector<DcOption> dc_txt_domain_name:string chat_size_max:int megagroup_size_max:int forwarded_count_max:int online_update_period_ms:int offline_blur_timeout_ms:int offline_idle_timeout_ms:int online_cloud_timeout_ms:int notify_cloud_delay_ms:int notify_default_delay_ms:int push_chat_period_ms:int push_chat_limit:int edit_time_limit:int revoke_time_limit:int revoke_pm_time_limit:int rating_e_decay:int stickers_recent_limit:int channels_read_media_period:int tmp_sessions:flags.0?int call_receive_timeout_ms:int call_ring_timeout_ms:int call_connect_timeout_ms:int call_packet_timeout_ms:int me_url_prefix:string autoupdate_url_prefix:flags.7?string gif_search_username:flags.9?string venue_search_username:flags.10?string img_search_username:flags.11?string static_maps_provider:flags.12?string caption_length_max:int message_length_max:int webfile_dc_id:int suggested_lang_code:flags.2?string lang_pack_version:flags.2?int base_lang_pack_version:flags.2?int reactions_default:flags.15?Reaction autologin_token:flags.16?string = Config",
        ),
        (
            DC_OPTION,
            "dcOption#18b7a10d flags:# ipv6:flags.0?true media_only:flags.1?true tcpo_only:flags.2?true cdn:flags.3?true static:flags.4?true this_port_only:flags.5?true id:int ip_address:string port:int secret:flags.10?bytes = DcOption",
        ),
        (
            UPDATES_STATE,
            "updates.state#a56c2a3e pts:int qts:int date:int seq:int unread_count:int = updates.State",
        ),
        (
            UPDATE_SHORT,
            "updateShort#78d4dec1 update:Update date:int = Updates",
        ),
        (UPDATE_LOGIN_TOKEN, "updateLoginToken#564fe691 = Update"),
        (BOOL_TRUE, "boolTrue#997275b5 = Bool"),
    ];

    #[test]
    fn constructor_ids_follow_the_schema() {
        for (id, line) in SCHEMA {
            assert_eq!(tl_gen::compute_id(line), *id, "{line}");
        }
    }

    #[test]
    fn config_lists_the_servers_ports_in_test_mode() {
        let dcs: Vec<(i32, SocketAddr)> = (1..=5)
            .map(|dc| (dc, SocketAddr::from(([127, 0, 0, 1], 40_000 + dc as u16))))
            .collect();
        let bytes = config(1_000, DcId(3), &dcs);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u32().unwrap(), CONFIG);
        assert_eq!(r.u32().unwrap(), 0);
        assert_eq!(r.i32().unwrap(), 1_000);
        assert_eq!(r.i32().unwrap(), 1_000 + CONFIG_TTL_SECS);
        assert!(r.bool().unwrap(), "test_mode");
        assert_eq!(r.i32().unwrap(), 3);
        assert_eq!(r.u32().unwrap(), VECTOR);
        assert_eq!(r.i32().unwrap(), 5);
        for dc in 1..=5 {
            assert_eq!(r.u32().unwrap(), DC_OPTION);
            assert_eq!(r.u32().unwrap(), THIS_PORT_ONLY);
            assert_eq!(r.i32().unwrap(), dc);
            assert_eq!(r.string().unwrap(), "127.0.0.1");
            assert_eq!(r.i32().unwrap(), 40_000 + dc);
        }
        assert_eq!(r.string().unwrap(), "sim.invalid");
        for _ in 0..21 {
            r.i32().unwrap();
        }
        assert_eq!(r.string().unwrap(), "https://t.me/");
        for _ in 0..3 {
            r.i32().unwrap();
        }
        r.finish().unwrap();
    }

    #[test]
    fn get_state_needs_a_logged_in_key() {
        let sim = Sim::default();
        let now = Instant::now();
        let (bytes, record) =
            answer(&sim, now, DcId(2), 7, &UPDATES_GET_STATE.to_le_bytes(), &[]).unwrap();
        assert_eq!(
            RpcError::decode(&bytes).unwrap(),
            RpcError::new(401, "AUTH_KEY_UNREGISTERED")
        );
        assert_eq!(record.method, "updates.getState");
        assert!(record.result.is_err());
        // Other methods are the simulator's; a getConfig with trailing bytes too.
        assert!(answer(&sim, now, DcId(2), 7, &[1, 2, 3, 4], &[]).is_none());
        assert!(
            answer(
                &sim,
                now,
                DcId(2),
                7,
                &[0x6b, 0x18, 0xf9, 0xc4, 0, 0, 0, 0],
                &[]
            )
            .is_none()
        );
    }
}
