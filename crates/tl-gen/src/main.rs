//! `tl-gen generate SCHEMA_DIR OUT.rs`: regenerates auth-core's TL types from its schema
//! folder; `tl-gen extract SELECTION FULL.tl LAYER OUT.tl`: cuts one layer's selected lines
//! out of Telegram's full schema.
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use sha2::{Digest, Sha256};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", dir, out] => generate(dir, out),
        ["extract", selection, full, layer, out] => extract(selection, full, layer, out),
        _ => {
            eprintln!(
                "usage: tl-gen generate SCHEMA_DIR OUT.rs\n       tl-gen extract SELECTION.txt FULL.tl LAYER OUT.tl"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tl-gen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn generate(dir: &str, out: &str) -> Result<(), String> {
    let code = tl_gen::SchemaDir::read(Path::new(dir))?.generate()?;
    std::fs::write(out, code).map_err(|e| format!("cannot write {out}: {e}"))
}

fn extract(selection: &str, full: &str, layer: &str, out: &str) -> Result<(), String> {
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("cannot read {p}: {e}"));
    let selection_text = read(selection)?;
    let full_text = read(full)?;
    let layer: i32 = layer.parse().map_err(|_| format!("bad layer `{layer}`"))?;
    let name = Path::new(full)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(full);
    let header = format!(
        "Layer {layer}: the lines of Telegram's API schema ({name}, {} bytes, SHA-256\n\
         {})\n\
         that selection.txt names, verbatim and in order.\n\
         Regenerate: cargo run -p tl-gen -- extract crates/auth-core/schema/selection.txt {name} {layer} crates/auth-core/schema/layers/{layer}.tl",
        full_text.len(),
        hex(&Sha256::digest(full_text.as_bytes())),
    );
    let selection = tl_gen::Selection::parse(&selection_text)?;
    let text = tl_gen::extract(&selection, &full_text, &header)?;
    std::fs::write(out, text).map_err(|e| format!("cannot write {out}: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
