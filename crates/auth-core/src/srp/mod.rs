//! SRP 2FA (core.telegram.org/api/srp): lands with the SRP issue.
