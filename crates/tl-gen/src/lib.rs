//! Generates `auth_core::tl`'s types from TL schema text.
//!
//! Understands what Telegram's authorization schema uses: `flags:#` words (several per
//! constructor), `flags.N?T` fields, `flags.N?true` bits, several value fields sharing one bit
//! (grouped into one `Option<Struct>`), `Vector<T>`, `Bool`, `int`/`long`/`double`/`string`/
//! `bytes`/`int128`/`int256`, boxed references, and the CRC32 id rule. Generic definitions
//! (`{X:Type}`, such as `invokeWithLayer`) and built-ins are skipped.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod rust;
pub mod schema;

pub use schema::{Definition, compute_id, id_source, parse};

/// Parses `schema` and returns the generated Rust module.
pub fn generate(schema: &str) -> Result<String, String> {
    let defs = schema::parse(schema).map_err(|e| e.to_string())?;
    for d in &defs {
        let computed = compute_id(&d.line);
        if computed != d.id {
            return Err(format!(
                "{}: id #{:x} does not match its CRC32 #{computed:x}",
                d.name, d.id
            ));
        }
    }
    rust::generate_defs(&defs)
}
