//! End-to-end: the blocking driver over MTProto on loopback TCP against the simulator's
//! MTProto server, one test per login path; plus the transport on its own (misbehaving servers,
//! reconnects, `-404`, the session file).
mod code;
mod password;
mod support;
mod tokens_email;
mod transport;
