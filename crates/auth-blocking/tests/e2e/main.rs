//! End-to-end: the blocking driver over loopback TCP against `SimServer`, one test per login
//! path; plus the TCP transport and the server on their own.
mod code;
mod password;
mod server;
mod support;
mod tcp;
mod tokens_email;
