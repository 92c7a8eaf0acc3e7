//! `tl-gen SCHEMA OUT`: regenerates auth-core's TL types from the schema text.
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [schema, out] = args.as_slice() else {
        eprintln!("usage: tl-gen SCHEMA.tl OUT.rs");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(schema) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("tl-gen: cannot read {schema}: {e}");
            return ExitCode::from(2);
        }
    };
    let code = match tl_gen::generate(&text) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tl-gen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(out, code) {
        eprintln!("tl-gen: cannot write {out}: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
