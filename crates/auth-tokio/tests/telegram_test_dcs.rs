//! Against Telegram's own test data centers, over the internet: ignored by default (CI has no
//! network). Run it with an app's credentials from <https://my.telegram.org>:
//!
//! ```sh
//! TG_API_ID=12345 TG_API_HASH=0123abcd cargo test -p auth-tokio --test telegram_test_dcs -- --ignored
//! ```

use std::time::Duration;

use auth_core::DcId;
use auth_tokio::{MtprotoTransport, Transport};
use mtproto::pool::PoolConfig;
use mtproto::session::ClientInfo;

const HELP_GET_CONFIG: u32 = 0xc4f9_186b;
const CONFIG: u32 = 0xcc1a_241e;
const BOOL_TRUE: u32 = 0x9972_75b5;

#[tokio::test]
#[ignore = "needs the internet and TG_API_ID"]
async fn handshake_and_get_config_on_a_test_dc() {
    let api_id: i32 = std::env::var("TG_API_ID")
        .expect("TG_API_ID is set")
        .parse()
        .expect("TG_API_ID is a number");
    let mut os = rand_core::UnwrapErr(getrandom::SysRng);
    let config = PoolConfig::telegram_test(auth_core::LAYER, ClientInfo::new(api_id));
    let transport = MtprotoTransport::new(config, &mut os).unwrap();
    let answer = tokio::time::timeout(
        Duration::from_secs(60),
        transport.invoke(DcId(2), HELP_GET_CONFIG.to_le_bytes().to_vec()),
    )
    .await
    .expect("an answer within a minute")
    .expect("no transport failure");
    // config#cc1a241e flags:# date:int expires:int test_mode:Bool ...
    let word = |i: usize| u32::from_le_bytes(answer[4 * i..4 * i + 4].try_into().unwrap());
    assert_eq!(word(0), CONFIG, "a config, not an error");
    assert!(word(3) > word(2), "expires after date");
    assert_eq!(word(4), BOOL_TRUE, "test_mode");
}
