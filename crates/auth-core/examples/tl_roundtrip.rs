//! `cargo run -p auth-core --example tl_roundtrip -- [--layer N] FILE`
//!
//! Reads lines of hex-encoded boxed TL objects (any constructor or function of the
//! authorization schema, decoded at layer N: 220–230, the crate's default without the flag)
//! and prints one JSON line per non-blank input line:
//! `{"line": N, "name": "...", "hex": "<our re-encoding>"}` or `{"line": N, "error": "..."}`.
//! A line may also be a JSON object with a `"hex"` field (as in the shared TL sample).
use std::process::ExitCode;

use auth_core::SUPPORTED_LAYERS;
use auth_core::tl::Layer;

fn main() -> ExitCode {
    const USAGE: &str = "usage: tl_roundtrip [--layer N] FILE";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (layer, path) = match args.as_slice() {
        [path] => (Layer::DEFAULT, path),
        [flag, n, path] if flag == "--layer" => {
            match n
                .parse()
                .map_err(|_| ())
                .and_then(|n| Layer::new(n).map_err(|_| ()))
            {
                Ok(layer) => (layer, path),
                Err(()) => {
                    eprintln!("tl_roundtrip: --layer takes one of {SUPPORTED_LAYERS:?}, not {n}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read(path) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(e) => {
            eprintln!("tl_roundtrip: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    for (idx, line) in text.lines().enumerate() {
        if let Some(json) = roundtrip_line(layer, idx + 1, line) {
            println!("{json}");
        }
    }
    ExitCode::SUCCESS
}

/// The JSON answer for one input line, or `None` for a blank line.
fn roundtrip_line(layer: Layer, number: usize, line: &str) -> Option<String> {
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
    Some(match auth_core::tl::reencode_boxed(layer, &bytes) {
        Ok((name, out)) => format!(
            r#"{{"line": {number}, "name": {}, "hex": "{}"}}"#,
            serde_json::Value::from(name),
            hex::encode(out)
        ),
        Err(e) => error(number, &e.to_string()),
    })
}

fn error(number: usize, message: &str) -> String {
    format!(
        r#"{{"line": {number}, "error": {}}}"#,
        serde_json::Value::from(message)
    )
}

#[cfg(test)]
mod tests {
    use super::{Layer, roundtrip_line};

    #[test]
    fn reports_errors_and_reencodings() {
        let ok = roundtrip_line(Layer::DEFAULT, 3, "19ba723e").unwrap();
        assert_eq!(
            ok,
            r#"{"line": 3, "name": "auth.logOut", "hex": "19ba723e"}"#
        );
        let bad = roundtrip_line(Layer::DEFAULT, 4, "19ba72").unwrap();
        assert!(bad.contains("\"error\""), "{bad}");
        assert!(roundtrip_line(Layer::DEFAULT, 5, "   ").is_none());
        assert!(
            roundtrip_line(Layer::DEFAULT, 6, "zz")
                .unwrap()
                .contains("bad hex")
        );
    }

    #[test]
    fn the_layer_decides_what_decodes() {
        // auth.finishFirebasePnvLogin google_token:"a" exists from layer 230 on.
        let firebase = "4c09852c01610000";
        let at_230 = roundtrip_line(Layer::new(230).unwrap(), 1, firebase).unwrap();
        assert_eq!(
            at_230,
            r#"{"line": 1, "name": "auth.finishFirebasePnvLogin", "hex": "4c09852c01610000"}"#
        );
        let at_228 = roundtrip_line(Layer::new(228).unwrap(), 1, firebase).unwrap();
        assert!(at_228.contains("\"error\""), "{at_228}");
    }
}
