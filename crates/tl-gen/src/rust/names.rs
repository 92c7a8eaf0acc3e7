//! Rust names for schema names.

use std::fmt::Write as _;

/// Where the generated module lives, as seen from the generated code.
pub(super) const ROOT: &str = "crate::tl";

/// `auth` of `auth.sentCode`; empty without a namespace.
pub(super) fn namespace(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(ns, _)| ns)
}

/// `sentCode` of `auth.sentCode`.
pub(super) fn base(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, b)| b)
}

/// `SentCode` for `auth.sentCode`, `LoginToken` for `login_token`.
pub(super) fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for ch in base(name).chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The struct field for a schema field.
pub(super) fn field_ident(name: &str) -> String {
    match name {
        "self" => "is_self".to_owned(),
        "type" => "r#type".to_owned(),
        other => other.to_ascii_lowercase(),
    }
}

/// The local variable holding a field while decoding.
pub(super) fn local(name: &str) -> String {
    format!("f_{}", name.to_ascii_lowercase())
}

/// The path of the enum of boxed type `ty`.
pub(super) fn enum_path(ty: &str) -> String {
    match namespace(ty) {
        "" => format!("{ROOT}::enums::{ty}"),
        ns => format!("{ROOT}::enums::{ns}::{}", base(ty)),
    }
}

/// The path of a struct named `rust_name` for schema name `name` (a constructor or function).
pub(super) fn struct_path(name: &str, rust_name: &str, function: bool) -> String {
    let module = if function { "functions" } else { "types" };
    match namespace(name) {
        "" => format!("{ROOT}::{module}::{rust_name}"),
        ns => format!("{ROOT}::{module}::{ns}::{rust_name}"),
    }
}

/// The variant of boxed type `ty` for the constructor struct `rust_name`: the struct's name
/// without the type's name in front (`SentCodeSms` of `auth.SentCode` is `Sms`).
pub(super) fn variant_name(ty: &str, rust_name: &str) -> String {
    let prefix = base(ty);
    match rust_name.strip_prefix(prefix) {
        Some(rest)
            if !rest.is_empty()
                && rest.starts_with(|c: char| c.is_ascii_uppercase())
                && rest != "Self" =>
        {
            rest.to_owned()
        }
        _ => rust_name.to_owned(),
    }
}

/// `code` with every non-empty line prefixed by `indent`.
pub(super) fn indent_by(code: &str, indent: &str) -> String {
    let mut s = String::new();
    for line in code.lines() {
        if line.is_empty() {
            s.push('\n');
        } else {
            let _ = writeln!(s, "{indent}{line}");
        }
    }
    s
}
