//! What a [`Pool`](super::Pool) connects to and how: the data centers' addresses, the servers'
//! keys, the framing, the session's layer and client info, the timeouts.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::handshake::HandshakeConfig;
use crate::keys::RsaPublicKey;
use crate::session::{ClientInfo, SessionConfig};
use crate::transport::Framing;

/// Telegram's production data centers (IPv4, port 443), as tdlib and Telegram Desktop list them.
const PRODUCTION: [(i32, [u8; 4]); 5] = [
    (1, [149, 154, 175, 50]),
    (2, [149, 154, 167, 51]),
    (3, [149, 154, 175, 100]),
    (4, [149, 154, 167, 91]),
    (5, [149, 154, 171, 5]),
];

/// Telegram's test data centers (IPv4, port 443), from the same sources.
const TEST: [(i32, [u8; 4]); 3] = [
    (1, [149, 154, 175, 10]),
    (2, [149, 154, 167, 40]),
    (3, [149, 154, 175, 117]),
];

/// Where each data center listens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DcTable {
    addresses: BTreeMap<i32, SocketAddr>,
}

impl DcTable {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        DcTable::default()
    }

    /// Telegram's production DCs 1 to 5.
    #[must_use]
    pub fn telegram_production() -> Self {
        Self::from_list(&PRODUCTION)
    }

    /// Telegram's test DCs 1 to 3.
    #[must_use]
    pub fn telegram_test() -> Self {
        Self::from_list(&TEST)
    }

    fn from_list(list: &[(i32, [u8; 4])]) -> Self {
        let addresses = list
            .iter()
            .map(|&(dc, ip)| (dc, SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), 443)))
            .collect();
        DcTable { addresses }
    }

    /// DCs 1 to `count` on `ip`, DC *n* at `first_port + n − 1` (the simulator's layout). Ports
    /// past 65535 are left out.
    #[must_use]
    pub fn consecutive(ip: IpAddr, first_port: u16, count: u16) -> Self {
        let addresses = (0..count)
            .map_while(|i| {
                let port = first_port.checked_add(i)?;
                Some((i32::from(i) + 1, SocketAddr::new(ip, port)))
            })
            .collect();
        DcTable { addresses }
    }

    /// Sets the address of `dc`.
    #[must_use]
    pub fn with(mut self, dc: i32, addr: SocketAddr) -> Self {
        self.addresses.insert(dc, addr);
        self
    }

    /// The address of `dc`.
    #[must_use]
    pub fn get(&self, dc: i32) -> Option<SocketAddr> {
        self.addresses.get(&dc).copied()
    }

    /// Every DC and its address, by DC id.
    pub fn iter(&self) -> impl Iterator<Item = (i32, SocketAddr)> + '_ {
        self.addresses.iter().map(|(dc, addr)| (*dc, *addr))
    }
}

/// How a [`Pool`](super::Pool) reaches the data centers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolConfig {
    /// The data centers' addresses.
    pub dcs: DcTable,
    /// The servers' RSA keys for the auth-key handshake.
    pub server_keys: Vec<RsaPublicKey>,
    /// Telegram's test servers: the handshake names DC *n* as `n + 10000`.
    pub test_servers: bool,
    /// The TCP framing (intermediate by default).
    pub framing: Framing,
    /// The sessions' layer, `initConnection` values and timings.
    pub session: SessionConfig,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// How long a call may wait for its answer, from [`Pool::send`](super::Pool::send); past
    /// it the call fails with [`CallFailure::Timeout`](super::CallFailure::Timeout).
    pub request_timeout: Duration,
    /// How long the handshake waits for each answer before asking again.
    pub handshake_resend_after: Duration,
}

impl PoolConfig {
    /// Telegram's production DCs and key; the calls of each session's first message go out in
    /// `invokeWithLayer(layer, initConnection(client, …))`.
    #[must_use]
    pub fn telegram(layer: i32, client: ClientInfo) -> Self {
        Self::new(
            DcTable::telegram_production(),
            vec![RsaPublicKey::telegram_production()],
            layer,
            client,
        )
    }

    /// Telegram's test DCs and test key.
    #[must_use]
    pub fn telegram_test(layer: i32, client: ClientInfo) -> Self {
        PoolConfig {
            test_servers: true,
            ..Self::new(
                DcTable::telegram_test(),
                vec![RsaPublicKey::telegram_test()],
                layer,
                client,
            )
        }
    }

    /// Any servers (a simulator, a proxy): their addresses and keys, intermediate framing,
    /// connect within 10 s, answers within 30 s.
    #[must_use]
    pub fn new(
        dcs: DcTable,
        server_keys: Vec<RsaPublicKey>,
        layer: i32,
        client: ClientInfo,
    ) -> Self {
        PoolConfig {
            dcs,
            server_keys,
            test_servers: false,
            framing: Framing::Intermediate,
            session: SessionConfig::new(layer, client),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            handshake_resend_after: crate::handshake::DEFAULT_RESEND_AFTER,
        }
    }

    /// The handshake configuration for `dc`.
    pub(super) fn handshake(&self, dc: i32) -> HandshakeConfig {
        let mut config = HandshakeConfig::with_keys(dc, self.server_keys.clone());
        config.test_servers = self.test_servers;
        config.resend_after = self.handshake_resend_after;
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_name_each_dc_once() {
        let production = DcTable::telegram_production();
        assert_eq!(production.iter().count(), 5);
        assert_eq!(
            production.get(2),
            Some("149.154.167.51:443".parse().unwrap())
        );
        let test = DcTable::telegram_test();
        assert_eq!(test.iter().map(|(dc, _)| dc).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(test.get(4), None);
        let sim = DcTable::consecutive(IpAddr::V4(Ipv4Addr::LOCALHOST), 65533, 5);
        assert_eq!(
            sim.iter().map(|(dc, a)| (dc, a.port())).collect::<Vec<_>>(),
            [(1, 65533), (2, 65534), (3, 65535)],
            "ports past 65535 are left out"
        );
    }

    #[test]
    fn test_servers_use_the_test_key_and_ids() {
        let config = PoolConfig::telegram_test(228, ClientInfo::new(1));
        let handshake = config.handshake(2);
        assert_eq!(handshake.wire_dc(), 10_002);
        assert_eq!(handshake.keys, vec![RsaPublicKey::telegram_test()]);
        assert_eq!(
            PoolConfig::telegram(228, ClientInfo::new(1))
                .handshake(2)
                .wire_dc(),
            2
        );
    }
}
