//! One enum per boxed type: its constructors as variants (every layout of every layer), the
//! layer check when decoding, getters common to all constructors, and moving a value to the
//! layout another layer uses.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::names::{base, camel, variant_name};
use super::{Ctx, OPAQUE};

/// Rust types a common getter returns by value.
const COPY_TYPES: &[&str] = &["i32", "i64", "f64", "bool", "[u8; 16]", "[u8; 32]"];

impl Ctx<'_> {
    /// The enum of boxed type `ty`, whose constructors are the layouts `ctors`.
    pub(super) fn emit_enum(&self, ty: &str, ctors: &[usize]) -> Result<String, String> {
        let name = base(ty);
        let varying = self.varying.contains(ty);
        let all = self.merged.all();
        let mut s = String::new();
        let _ = writeln!(s, "/// The boxed type `{ty}`.");
        if varying {
            s.push_str(
                "///\n/// Which constructors decode depends on the layer: see [`DeserializeAt`].\n",
            );
        }
        s.push_str("#[derive(Clone, PartialEq, Debug)]\n");
        s.push_str("#[cfg_attr(feature = \"arbitrary\", derive(arbitrary::Arbitrary))]\n");
        let _ = writeln!(s, "pub enum {name} {{");
        let mut variants: Vec<(String, usize)> = Vec::new();
        for &c in ctors {
            let v = variant_name(ty, &self.names[c]);
            if variants.iter().any(|(x, _)| *x == v) {
                return Err(format!("two constructors of `{ty}` map to variant `{v}`"));
            }
            let layout = &self.merged.layouts[c];
            let at = if layout.mask == all {
                String::new()
            } else {
                format!(" ({})", self.describe(layout.mask))
            };
            let _ = writeln!(
                s,
                "    /// `{}`{at}\n    {v}({}),",
                layout.def.name,
                self.struct_path(c)
            );
            variants.push((v, c));
        }
        s.push_str("}\n\n");
        let _ = writeln!(
            s,
            "impl Default for {name} {{\n    fn default() -> Self {{\n        Self::{}(Default::default())\n    }}\n}}\n",
            variants[0].0
        );

        let _ = writeln!(s, "impl {name} {{");
        s.push_str("    /// The constructor id of this value.\n    pub fn constructor_id(&self) -> u32 {\n        match self {\n");
        for (v, c) in &variants {
            let _ = writeln!(
                s,
                "            Self::{v}(_) => {}::CONSTRUCTOR_ID,",
                self.struct_path(*c)
            );
        }
        s.push_str("        }\n    }\n\n");
        s.push_str("    /// The schema name of this value's constructor.\n    pub fn constructor_name(&self) -> &'static str {\n        match self {\n");
        for (v, c) in &variants {
            let _ = writeln!(
                s,
                "            Self::{v}(_) => {}::NAME,",
                self.struct_path(*c)
            );
        }
        s.push_str("        }\n    }\n");
        s.push_str(&self.common_getters(ty, &variants)?);
        s.push_str(&self.layer_moves(&variants));
        s.push_str("}\n\n");

        let _ = writeln!(s, "impl Serialize for {name} {{");
        s.push_str("    fn serialize(&self, out: &mut Vec<u8>) {\n        write::u32(out, self.constructor_id());\n        match self {\n");
        for (v, _) in &variants {
            let _ = writeln!(s, "            Self::{v}(x) => x.serialize(out),");
        }
        s.push_str("        }\n    }\n\n");
        s.push_str("    fn encoded_len(&self) -> Result<usize, EncodeError> {\n        let fields = match self {\n");
        for (v, _) in &variants {
            let _ = writeln!(s, "            Self::{v}(x) => x.encoded_len(),");
        }
        s.push_str("        };\n        write::sum(&[Ok(4), fields])\n    }\n}\n\n");

        let mut arms = String::new();
        for (v, c) in &variants {
            let layout = &self.merged.layouts[*c];
            let guard = if layout.mask == all {
                String::new()
            } else {
                format!(" if layers.has({:#06x})", layout.mask)
            };
            let read = if self.struct_varies(*c) {
                "deserialize_at(r, layers)"
            } else {
                "deserialize(r)"
            };
            let _ = writeln!(
                arms,
                "            {:#010x}{guard} => Self::{v}({}::{read}?),",
                layout.def.id,
                self.struct_path(*c)
            );
        }
        let (signature, delegate) = if varying {
            (
                format!(
                    "impl DeserializeAt for {name} {{\n    fn deserialize_at(r: &mut Reader<'_>, layers: LayerMask) -> Result<Self, DecodeError> {{\n"
                ),
                format!(
                    "impl Deserialize for {name} {{\n    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError> {{\n        Self::deserialize_at(r, LayerMask::ALL)\n    }}\n}}\n\n"
                ),
            )
        } else {
            (
                format!(
                    "impl Deserialize for {name} {{\n    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError> {{\n"
                ),
                String::new(),
            )
        };
        s.push_str(&signature);
        s.push_str(
            "        r.enter()?;\n        let id = r.u32()?;\n        let value = match id {\n",
        );
        s.push_str(&arms);
        let _ = writeln!(
            s,
            "            _ => return Err(DecodeError::UnknownConstructor {{ id, expected: \"{ty}\" }}),\n        }};\n        r.leave();\n        Ok(value)\n    }}\n}}\n"
        );
        s.push_str(&delegate);

        let opaque = OPAQUE.iter().find(|(t, _)| *t == ty).map(|(_, r)| *r);
        for (v, c) in &variants {
            let p = self.struct_path(*c);
            let _ = writeln!(
                s,
                "impl From<{p}> for {name} {{\n    fn from(x: {p}) -> Self {{\n        Self::{v}(x)\n    }}\n}}\n"
            );
            if let Some(raw) = opaque {
                let _ = writeln!(
                    s,
                    "impl From<{p}> for {raw} {{\n    fn from(x: {p}) -> Self {{\n        Self::from({name}::{v}(x))\n    }}\n}}\n"
                );
            }
        }
        Ok(s)
    }

    /// Getters for fields every constructor has, with one `Copy` type.
    fn common_getters(&self, ty: &str, variants: &[(String, usize)]) -> Result<String, String> {
        if variants.len() < 2 {
            return Ok(String::new());
        }
        let mut common: Option<Vec<(String, String)>> = None;
        for (_, c) in variants {
            let mut fields = Vec::new();
            for sl in self.slots(*c) {
                let Some(ident) = sl.ident() else { continue };
                let rust = self.slot_ty(&sl, ty)?;
                if COPY_TYPES.contains(&rust.as_str()) {
                    fields.push((ident, rust));
                }
            }
            common = Some(match common {
                None => fields,
                Some(before) => before.into_iter().filter(|f| fields.contains(f)).collect(),
            });
        }
        let mut s = String::new();
        for (ident, rust) in common.unwrap_or_default() {
            let _ = writeln!(
                s,
                "\n    /// `{ident}`, which every constructor has.\n    pub fn {ident}(&self) -> {rust} {{\n        match self {{"
            );
            for (v, _) in variants {
                let _ = writeln!(s, "            Self::{v}(x) => x.{ident},");
            }
            s.push_str("        }\n    }\n");
        }
        Ok(s)
    }

    /// `to_latest` and `for_layer`, for a type with a constructor that has several layouts.
    fn layer_moves(&self, variants: &[(String, usize)]) -> String {
        let mut by_name: BTreeMap<&str, Vec<&(String, usize)>> = BTreeMap::new();
        for v in variants {
            by_name
                .entry(self.merged.layouts[v.1].def.name.as_str())
                .or_default()
                .push(v);
        }
        if by_name.values().all(|layouts| layouts.len() == 1) {
            return String::new();
        }
        // The newest layout of a name is the one without a suffix.
        let newest = |name: &str| -> &(String, usize) {
            let list = &by_name[name];
            list.iter()
                .find(|(_, c)| self.names[*c] == camel(name))
                .unwrap_or(&list[0])
        };
        let mut s = String::new();
        s.push_str("\n    /// This value in its constructor's newest layout (fields the older one lacks take their\n    /// defaults).\n    pub fn to_latest(self) -> Self {\n        match self {\n");
        for (v, c) in variants {
            let (nv, nc) = newest(&self.merged.layouts[*c].def.name);
            if nc == c {
                let _ = writeln!(s, "            Self::{v}(x) => Self::{v}(x),");
            } else {
                let _ = writeln!(s, "            Self::{v}(x) => Self::{nv}(x.into()),");
            }
        }
        s.push_str("        }\n    }\n");
        s.push_str("\n    /// This value in the layout its constructor has at `layer` (fields that layout lacks are\n    /// dropped, fields it adds take their defaults); `None` if the constructor does not exist\n    /// there.\n    pub fn for_layer(self, layer: crate::tl::Layer) -> Option<Self> {\n        let layers = layer.mask();\n        match self {\n");
        for (v, c) in variants {
            let name = self.merged.layouts[*c].def.name.as_str();
            let (_, nc) = newest(name);
            let _ = writeln!(s, "            Self::{v}(x) => {{");
            // Newest first, so a layout valid at several of the layer's bits is preferred new.
            let mut targets: Vec<&&(String, usize)> = by_name[name].iter().collect();
            targets.sort_by_key(|(_, t)| std::cmp::Reverse(self.merged.layouts[*t].mask));
            for (tv, tc) in targets {
                let convert = if tc == c {
                    "x".to_owned()
                } else if tc == nc || c == nc {
                    "x.into()".to_owned()
                } else {
                    format!(
                        "{}::from({}::from(x))",
                        self.struct_path(*tc),
                        self.struct_path(*nc)
                    )
                };
                let _ = writeln!(
                    s,
                    "                if layers.has({:#06x}) {{\n                    return Some(Self::{tv}({convert}));\n                }}",
                    self.merged.layouts[*tc].mask
                );
            }
            s.push_str("                None\n            }\n");
        }
        s.push_str("        }\n    }\n");
        s
    }
}
