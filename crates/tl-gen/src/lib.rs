//! Generates `auth_core::tl`'s types from TL schema text, one layer or several.
//!
//! Understands what Telegram's authorization schema uses: `flags:#` words (several per
//! constructor), `flags.N?T` fields, `flags.N?true` bits, several value fields sharing one bit
//! (grouped into one `Option<Struct>`), `Vector<T>`, `Bool`, `int`/`long`/`double`/`string`/
//! `bytes`/`int128`/`int256`, boxed references, and the CRC32 id rule. Generic definitions
//! (`{X:Type}`, such as `invokeWithLayer`) and built-ins are skipped.
//!
//! Two steps, each a subcommand of the binary:
//!
//! * [`extract`]: cut the lines a [`Selection`] names out of one layer's full schema, verbatim
//!   (`auth-core/schema/layers/NNN.tl`);
//! * [`generate`]: merge every layer's extract into *layouts* (one per distinct wire form, with
//!   the layers that define it: see [`layers`]) and emit one Rust type per layout, the
//!   layer-aware decoders and the layer tables.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod layers;
mod rust;
pub mod schema;
pub mod selection;

use std::path::Path;

pub use layers::{LayerText, Merged, merge};
pub use schema::{Definition, compute_id, id_source, parse};
pub use selection::{Selection, extract};

/// Merges the layers' schemas (and `shared`, lines every layer has, such as `rpc_error`),
/// checks every id by Telegram's CRC32 rule and returns the generated Rust module.
///
/// # Errors
///
/// A line that does not parse, an id that does not match its line, layouts that cannot merge,
/// or a type used but never defined.
pub fn generate(layers: &[LayerText<'_>], shared: &str) -> Result<String, String> {
    let merged = merge(layers, shared)?;
    for l in &merged.layouts {
        let computed = compute_id(&l.def.line);
        if computed != l.def.id {
            return Err(format!(
                "{}: id #{:x} does not match its CRC32 #{computed:x}",
                l.def.name, l.def.id
            ));
        }
    }
    rust::generate(&merged)
}

/// The schema a generation reads: the text of every `layers/NNN.tl` (NNN the layer) and of
/// `shared.tl` in `dir`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaDir {
    /// `(layer, text)`, by layer.
    pub layers: Vec<(i32, String)>,
    /// The lines every layer shares.
    pub shared: String,
}

impl SchemaDir {
    /// Reads `dir`.
    ///
    /// # Errors
    ///
    /// An unreadable file, or a file in `layers/` not named `NNN.tl`.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
        };
        let mut layers = Vec::new();
        let layer_dir = dir.join("layers");
        let entries = std::fs::read_dir(&layer_dir)
            .map_err(|e| format!("cannot read {}: {e}", layer_dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("tl") {
                continue;
            }
            let layer = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<i32>().ok())
                .ok_or_else(|| format!("{}: not named LAYER.tl", path.display()))?;
            layers.push((layer, read(&path)?));
        }
        layers.sort_by_key(|(l, _)| *l);
        Ok(SchemaDir {
            layers,
            shared: read(&dir.join("shared.tl"))?,
        })
    }

    /// [`generate`] for this schema.
    ///
    /// # Errors
    ///
    /// As [`generate`].
    pub fn generate(&self) -> Result<String, String> {
        let texts: Vec<LayerText<'_>> = self
            .layers
            .iter()
            .map(|(layer, text)| LayerText {
                layer: *layer,
                text,
            })
            .collect();
        generate(&texts, &self.shared)
    }
}
