//! The TL objects of MTProto itself (`schema/mtproto.tl`) and the API wrappers a session adds
//! (`schema/api-wrappers.tl`), hand-written over `tl-codec`'s bounded reader. Every constructor
//! id below is checked against CRC32 of its schema line by this module's test.

pub(crate) mod api;
pub(crate) mod gzip;
pub(crate) mod handshake;
pub(crate) mod service;

/// Constructor and function ids.
pub(crate) mod id {
    pub(crate) const REQ_PQ: u32 = 0x6046_9778;
    pub(crate) const REQ_PQ_MULTI: u32 = 0xbe7e_8ef1;
    pub(crate) const RES_PQ: u32 = 0x0516_2463;
    pub(crate) const P_Q_INNER_DATA: u32 = 0x83c9_5aec;
    pub(crate) const P_Q_INNER_DATA_DC: u32 = 0xa9f5_5f95;
    pub(crate) const P_Q_INNER_DATA_TEMP: u32 = 0x3c6a_84d4;
    pub(crate) const P_Q_INNER_DATA_TEMP_DC: u32 = 0x56fd_df88;
    pub(crate) const REQ_DH_PARAMS: u32 = 0xd712_e4be;
    pub(crate) const SERVER_DH_PARAMS_FAIL: u32 = 0x79cb_045d;
    pub(crate) const SERVER_DH_PARAMS_OK: u32 = 0xd0e8_075c;
    pub(crate) const SERVER_DH_INNER_DATA: u32 = 0xb589_0dba;
    pub(crate) const CLIENT_DH_INNER_DATA: u32 = 0x6643_b654;
    pub(crate) const SET_CLIENT_DH_PARAMS: u32 = 0xf504_5f1f;
    pub(crate) const DH_GEN_OK: u32 = 0x3bcb_f734;
    pub(crate) const DH_GEN_RETRY: u32 = 0x46dc_1fb9;
    pub(crate) const DH_GEN_FAIL: u32 = 0xa69d_ae02;

    pub(crate) const MSGS_ACK: u32 = 0x62d6_b459;
    pub(crate) const BAD_MSG_NOTIFICATION: u32 = 0xa7ef_f811;
    pub(crate) const BAD_SERVER_SALT: u32 = 0xedab_447b;
    pub(crate) const MSGS_STATE_REQ: u32 = 0xda69_fb52;
    pub(crate) const MSGS_STATE_INFO: u32 = 0x04de_b57d;
    pub(crate) const MSGS_ALL_INFO: u32 = 0x8cc0_d131;
    pub(crate) const MSG_DETAILED_INFO: u32 = 0x276d_3ec6;
    pub(crate) const MSG_NEW_DETAILED_INFO: u32 = 0x809d_b6df;
    pub(crate) const MSG_RESEND_REQ: u32 = 0x7d86_1a08;
    pub(crate) const RPC_RESULT: u32 = 0xf35c_6d01;
    pub(crate) const RPC_ERROR: u32 = 0x2144_ca19;
    pub(crate) const RPC_ANSWER_UNKNOWN: u32 = 0x5e2a_d36e;
    pub(crate) const RPC_DROP_ANSWER: u32 = 0x58e4_a740;
    /// Bare inside `future_salts` (never on the wire), kept for the schema check.
    #[cfg(test)]
    pub(crate) const FUTURE_SALT: u32 = 0x0949_d9dc;
    pub(crate) const FUTURE_SALTS: u32 = 0xae50_0895;
    pub(crate) const GET_FUTURE_SALTS: u32 = 0xb921_bd04;
    pub(crate) const PING: u32 = 0x7abe_77ec;
    pub(crate) const PING_DELAY_DISCONNECT: u32 = 0xf342_7b8c;
    pub(crate) const PONG: u32 = 0x3477_73c5;
    pub(crate) const DESTROY_SESSION: u32 = 0xe751_2126;
    pub(crate) const DESTROY_SESSION_OK: u32 = 0xe220_45fc;
    pub(crate) const DESTROY_SESSION_NONE: u32 = 0x62d3_50c9;
    pub(crate) const NEW_SESSION_CREATED: u32 = 0x9ec2_0908;
    pub(crate) const MSG_CONTAINER: u32 = 0x73f1_f8dc;
    /// Not used by Telegram any more ("use msg_container"), kept for the schema check.
    #[cfg(test)]
    pub(crate) const MSG_COPY: u32 = 0xe060_46b2;
    pub(crate) const GZIP_PACKED: u32 = 0x3072_cfa1;
    pub(crate) const HTTP_WAIT: u32 = 0x9299_359f;

    pub(crate) const INVOKE_WITH_LAYER: u32 = 0xda9b_0d0d;
    pub(crate) const INIT_CONNECTION: u32 = 0xc1cd_5ea9;
    pub(crate) const INVOKE_WITHOUT_UPDATES: u32 = 0xbf94_59b7;
    pub(crate) const INVOKE_AFTER_MSG: u32 = 0xcb9f_372d;
    pub(crate) const INVOKE_AFTER_MSGS: u32 = 0x3dc4_b4f0;
    pub(crate) const INPUT_CLIENT_PROXY: u32 = 0x7558_8b3f;
    pub(crate) const JSON_OBJECT_VALUE: u32 = 0xc0de_1bd9;
    pub(crate) const JSON_NULL: u32 = 0x3f6d_7b68;
    pub(crate) const JSON_BOOL: u32 = 0xc734_5e6a;
    pub(crate) const JSON_NUMBER: u32 = 0x2be0_dfa4;
    pub(crate) const JSON_STRING: u32 = 0xb71e_767a;
    pub(crate) const JSON_ARRAY: u32 = 0xf744_4763;
    pub(crate) const JSON_OBJECT: u32 = 0x99c1_d49d;
}

#[cfg(test)]
mod tests {
    use super::id::*;

    /// Every id this crate uses, by schema name.
    const IDS: &[(&str, u32)] = &[
        ("req_pq", REQ_PQ),
        ("req_pq_multi", REQ_PQ_MULTI),
        ("resPQ", RES_PQ),
        ("p_q_inner_data", P_Q_INNER_DATA),
        ("p_q_inner_data_dc", P_Q_INNER_DATA_DC),
        ("p_q_inner_data_temp", P_Q_INNER_DATA_TEMP),
        ("p_q_inner_data_temp_dc", P_Q_INNER_DATA_TEMP_DC),
        ("req_DH_params", REQ_DH_PARAMS),
        ("server_DH_params_fail", SERVER_DH_PARAMS_FAIL),
        ("server_DH_params_ok", SERVER_DH_PARAMS_OK),
        ("server_DH_inner_data", SERVER_DH_INNER_DATA),
        ("client_DH_inner_data", CLIENT_DH_INNER_DATA),
        ("set_client_DH_params", SET_CLIENT_DH_PARAMS),
        ("dh_gen_ok", DH_GEN_OK),
        ("dh_gen_retry", DH_GEN_RETRY),
        ("dh_gen_fail", DH_GEN_FAIL),
        ("msgs_ack", MSGS_ACK),
        ("bad_msg_notification", BAD_MSG_NOTIFICATION),
        ("bad_server_salt", BAD_SERVER_SALT),
        ("msgs_state_req", MSGS_STATE_REQ),
        ("msgs_state_info", MSGS_STATE_INFO),
        ("msgs_all_info", MSGS_ALL_INFO),
        ("msg_detailed_info", MSG_DETAILED_INFO),
        ("msg_new_detailed_info", MSG_NEW_DETAILED_INFO),
        ("msg_resend_req", MSG_RESEND_REQ),
        ("rpc_result", RPC_RESULT),
        ("rpc_error", RPC_ERROR),
        ("rpc_answer_unknown", RPC_ANSWER_UNKNOWN),
        ("rpc_drop_answer", RPC_DROP_ANSWER),
        ("future_salt", FUTURE_SALT),
        ("future_salts", FUTURE_SALTS),
        ("get_future_salts", GET_FUTURE_SALTS),
        ("ping", PING),
        ("ping_delay_disconnect", PING_DELAY_DISCONNECT),
        ("pong", PONG),
        ("destroy_session", DESTROY_SESSION),
        ("destroy_session_ok", DESTROY_SESSION_OK),
        ("destroy_session_none", DESTROY_SESSION_NONE),
        ("new_session_created", NEW_SESSION_CREATED),
        ("msg_container", MSG_CONTAINER),
        ("msg_copy", MSG_COPY),
        ("gzip_packed", GZIP_PACKED),
        ("http_wait", HTTP_WAIT),
        ("invokeWithLayer", INVOKE_WITH_LAYER),
        ("initConnection", INIT_CONNECTION),
        ("invokeWithoutUpdates", INVOKE_WITHOUT_UPDATES),
        ("invokeAfterMsg", INVOKE_AFTER_MSG),
        ("invokeAfterMsgs", INVOKE_AFTER_MSGS),
        ("inputClientProxy", INPUT_CLIENT_PROXY),
        ("jsonObjectValue", JSON_OBJECT_VALUE),
        ("jsonNull", JSON_NULL),
        ("jsonBool", JSON_BOOL),
        ("jsonNumber", JSON_NUMBER),
        ("jsonString", JSON_STRING),
        ("jsonArray", JSON_ARRAY),
        ("jsonObject", JSON_OBJECT),
    ];

    /// Schema lines by name, including the ones `mtproto.tl` comments out because clients
    /// parse them by hand (`//rpc_result#f35c6d01 … // parsed manually`).
    fn schema_lines() -> Vec<(String, String)> {
        let text = [
            include_str!("../../schema/mtproto.tl"),
            include_str!("../../schema/api-wrappers.tl"),
        ]
        .concat();
        let mut lines = Vec::new();
        for raw in text.lines() {
            let line = raw.trim().trim_start_matches("//");
            let line = line.split(" //").next().unwrap_or_default().trim();
            let Some((name, rest)) = line.split_once('#') else {
                continue;
            };
            if name.contains(' ') || !rest.contains('=') {
                continue;
            }
            lines.push((name.to_owned(), line.to_owned()));
        }
        lines
    }

    #[test]
    fn every_id_is_the_crc32_of_its_schema_line() {
        let lines = schema_lines();
        for (name, id) in IDS {
            let (_, line) = lines
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("{name} is not in the schema files"));
            assert_eq!(tl_gen::compute_id(line), *id, "{name}: {line}");
            let written = line.split_once('#').unwrap().1.split(' ').next().unwrap();
            assert_eq!(u32::from_str_radix(written, 16).unwrap(), *id, "{name}");
        }
    }
}
