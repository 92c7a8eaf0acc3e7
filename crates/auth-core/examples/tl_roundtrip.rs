//! `cargo run -p auth-core --example tl_roundtrip -- FILE`
//!
//! Reads lines of hex-encoded boxed TL objects (any constructor or function of the
//! authorization schema) and prints one JSON line per non-blank input line:
//! `{"line": N, "name": "...", "hex": "<our re-encoding>"}` or `{"line": N, "error": "..."}`.
//! A line may also be a JSON object with a `"hex"` field (as in the shared TL sample).
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: tl_roundtrip FILE");
        return ExitCode::from(2);
    };
    let text = match std::fs::read(&path) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(e) => {
            eprintln!("tl_roundtrip: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    for (idx, line) in text.lines().enumerate() {
        if let Some(json) = roundtrip_line(idx + 1, line) {
            println!("{json}");
        }
    }
    ExitCode::SUCCESS
}

/// The JSON answer for one input line, or `None` for a blank line.
fn roundtrip_line(number: usize, line: &str) -> Option<String> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let hex_text = if line.starts_with('{') {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) => match v.get("hex").and_then(|h| h.as_str()) {
                Some(h) => h.to_owned(),
                None => return Some(error(number, "JSON line has no \"hex\" string")),
            },
            Err(e) => return Some(error(number, &format!("bad JSON: {e}"))),
        }
    } else {
        line.to_owned()
    };
    let bytes = match hex::decode(hex_text.trim()) {
        Ok(b) => b,
        Err(e) => return Some(error(number, &format!("bad hex: {e}"))),
    };
    Some(
        match auth_core::tl::reencode_boxed(auth_core::tl::Layer::DEFAULT, &bytes) {
            Ok((name, out)) => format!(
                r#"{{"line": {number}, "name": {}, "hex": "{}"}}"#,
                serde_json::Value::from(name),
                hex::encode(out)
            ),
            Err(e) => error(number, &e.to_string()),
        },
    )
}

fn error(number: usize, message: &str) -> String {
    format!(
        r#"{{"line": {number}, "error": {}}}"#,
        serde_json::Value::from(message)
    )
}

#[cfg(test)]
mod tests {
    use super::roundtrip_line;

    #[test]
    fn reports_errors_and_reencodings() {
        let ok = roundtrip_line(3, "19ba723e").unwrap();
        assert_eq!(
            ok,
            r#"{"line": 3, "name": "auth.logOut", "hex": "19ba723e"}"#
        );
        let bad = roundtrip_line(4, "19ba72").unwrap();
        assert!(bad.contains("\"error\""), "{bad}");
        assert!(roundtrip_line(5, "   ").is_none());
        assert!(roundtrip_line(6, "zz").unwrap().contains("bad hex"));
    }
}
