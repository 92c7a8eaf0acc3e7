//! What the generated module knows about itself: the layers, every definition with the layers
//! that define it, and functions that dispatch by definition (decoding a result, re-encoding,
//! building arbitrary values for fuzzing).

use std::fmt::Write as _;

use crate::schema::Kind;

use super::Ctx;
use super::names::enum_path;

impl Ctx<'_> {
    pub(super) fn emit_tables(&self) -> Result<String, String> {
        let merged = self.merged;
        let mut out = String::new();

        let layers: Vec<String> = merged.layers.iter().map(i32::to_string).collect();
        let _ = writeln!(
            out,
            "/// The layers whose schemas the types were generated from, oldest first. Bit `i` of a\n\
             /// [`LayerMask`] stands for `SCHEMA_LAYERS[i]`; a layer between two of them uses the\n\
             /// lower one's schema.\n\
             pub const SCHEMA_LAYERS: &[i32] = &[{}];\n",
            layers.join(", ")
        );

        out.push_str(
            "/// Every generated definition: schema name, id, and whether it is a function.\n",
        );
        out.push_str("pub const DEFINITIONS: &[SchemaEntry] = &[\n");
        for l in &merged.layouts {
            let _ = writeln!(
                out,
                "    SchemaEntry {{ name: \"{}\", id: {:#010x}, is_function: {} }},",
                l.def.name,
                l.def.id,
                l.def.kind == Kind::Function
            );
        }
        out.push_str("];\n\n");

        out.push_str(
            "/// The layers that define each of [`DEFINITIONS`], as a [`LayerMask`]'s bits.\n",
        );
        out.push_str("pub const DEFINITION_LAYERS: &[u16] = &[\n");
        for l in &merged.layouts {
            let _ = writeln!(out, "    {:#06x},", l.mask);
        }
        out.push_str("];\n\n");

        out.push_str(
            "/// The functions whose result can carry an `auth.Authorization`: a reply to them that\n\
             /// does not decode may have authorized the key.\n",
        );
        out.push_str("pub const AUTHORIZING_FUNCTIONS: &[u32] = &[\n");
        let mut authorizing: Vec<u32> = merged
            .layouts
            .iter()
            .filter(|l| {
                l.def.kind == Kind::Function
                    && self.types.contains_key(l.def.result.as_str())
                    && self.reaches(
                        &l.def.result,
                        "auth.Authorization",
                        &mut std::collections::BTreeSet::new(),
                    )
            })
            .map(|l| l.def.id)
            .collect();
        authorizing.sort_unstable();
        authorizing.dedup();
        for id in authorizing {
            let _ = writeln!(out, "    {id:#010x},");
        }
        out.push_str("];\n\n");

        out.push_str(
            "/// Builds an arbitrary value of `DEFINITIONS[index]`, encodes it and decodes it at `layers`\n\
             /// (see [`crate::tl::arbitrary_check`]).\n\
             #[cfg(feature = \"arbitrary\")]\n\
             #[doc(hidden)]\n\
             pub fn arbitrary_roundtrip(index: usize, layers: LayerMask, u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Result<Option<u32>, String>> {\n\
             \x20   match index {\n",
        );
        for i in 0..merged.layouts.len() {
            let _ = writeln!(
                out,
                "        {i} => crate::tl::arbitrary_check::<{}>(layers, u),",
                self.struct_path(i)
            );
        }
        out.push_str("        _ => Ok(Ok(None)),\n    }\n}\n\n");

        out.push_str(
            "/// Encodes (boxed) an arbitrary value of `DEFINITIONS[index]`: fuzzers use it to build\n\
             /// well-formed calls and replies.\n\
             #[cfg(feature = \"arbitrary\")]\n\
             #[doc(hidden)]\n\
             pub fn arbitrary_encoded(index: usize, u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {\n\
             \x20   let mut out = Vec::new();\n\
             \x20   match index {\n",
        );
        for (i, l) in merged.layouts.iter().enumerate() {
            let path = self.struct_path(i);
            match l.def.kind {
                Kind::Constructor => {
                    let _ = writeln!(
                        out,
                        "        {i} => {{ write::u32(&mut out, {:#010x}); <{path} as arbitrary::Arbitrary>::arbitrary(u)?.serialize(&mut out); }}",
                        l.def.id,
                    );
                }
                Kind::Function => {
                    let _ = writeln!(
                        out,
                        "        {i} => <{path} as arbitrary::Arbitrary>::arbitrary(u)?.serialize(&mut out),",
                    );
                }
            }
        }
        out.push_str("        _ => {}\n    }\n    Ok(out)\n}\n\n");

        out.push_str(
            "/// Decodes `reply` strictly, at `layers`, as the declared result type of the function\n\
             /// `method_id` (`rpc_error` aside). `None` if `method_id` is not a generated function.\n\
             pub fn decode_result_of(layers: LayerMask, method_id: u32, reply: &[u8]) -> Option<Result<(), DecodeError>> {\n\
             \x20   Some(match method_id {\n",
        );
        let mut seen = std::collections::BTreeSet::new();
        for (i, l) in merged.layouts.iter().enumerate() {
            if l.def.kind != Kind::Function || !seen.insert(l.def.id) {
                continue;
            }
            let _ = writeln!(
                out,
                "        {:#010x} => crate::tl::decode_with::<<{} as crate::tl::RemoteCall>::Return>(layers, reply).map(drop),",
                l.def.id,
                self.struct_path(i)
            );
        }
        out.push_str("        _ => return None,\n    })\n}\n\n");

        out.push_str(
            "/// Decodes one boxed object or function call of any generated definition at `layers` (every\n\
             /// byte must belong to it) and encodes it again; returns its schema name and the new encoding.\n\
             pub fn reencode_boxed(layers: LayerMask, bytes: &[u8]) -> Result<(&'static str, Vec<u8>), DecodeError> {\n\
             \x20   let mut r = Reader::new(bytes);\n\
             \x20   let id = r.peek_u32()?;\n\
             \x20   let mut out = Vec::with_capacity(bytes.len());\n\
             \x20   let name = match id {\n",
        );
        for (i, l) in merged.layouts.iter().enumerate() {
            let path = self.struct_path(i);
            let guard = if l.mask == merged.all() {
                String::new()
            } else {
                format!(" if layers.has({:#06x})", l.mask)
            };
            let read = if self.struct_varies(i) {
                format!("<{path} as crate::tl::DeserializeAt>::deserialize_at(&mut r, layers)?")
            } else {
                format!("{path}::deserialize(&mut r)?")
            };
            match l.def.kind {
                Kind::Constructor => {
                    let _ = writeln!(
                        out,
                        "        {:#010x}{guard} => {{ r.u32()?; let v = {read}; write::u32(&mut out, id); v.serialize(&mut out); \"{}\" }}",
                        l.def.id, l.def.name
                    );
                }
                Kind::Function => {
                    let _ = writeln!(
                        out,
                        "        {:#010x}{guard} => {{ {read}.serialize(&mut out); \"{}\" }}",
                        l.def.id, l.def.name
                    );
                }
            }
        }
        out.push_str(
            "        _ => return Err(DecodeError::UnknownConstructor { id, expected: \"any authorization object\" }),\n\
             \x20   };\n\
             \x20   r.finish()?;\n\
             \x20   Ok((name, out))\n\
             }\n\n",
        );

        // Everything that decodes the same at every layer.
        let mut invariant: Vec<String> = (0..merged.layouts.len())
            .filter(|&i| !self.struct_varies(i))
            .map(|i| self.struct_path(i))
            .collect();
        invariant.extend(
            self.types
                .keys()
                .filter(|t| !self.varying.contains(*t))
                .map(|t| enum_path(t)),
        );
        out.push_str("crate::tl::layer_invariant!(\n");
        for path in invariant {
            let _ = writeln!(out, "    {path},");
        }
        out.push_str(");\n");
        Ok(out)
    }
}
