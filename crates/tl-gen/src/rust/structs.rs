//! One struct per layout of a constructor or function: fields, `Debug` with secrets redacted,
//! `Serialize`, layer-aware `Deserialize`, and conversions between the layouts of one name.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::schema::{Definition, Flag, Kind, Param, Ty};

use super::names::{camel, field_ident, local};
use super::{Ctx, SECRET_FIELDS};

/// Readable names for fields that share one flag bit: (definition, word, bit) → (field, struct).
const GROUP_NAMES: &[(&str, &str, u32, &str, &str)] = &[
    ("account.password", "flags", 2, "srp", "PasswordSrp"),
    (
        "codeSettings",
        "flags",
        8,
        "app_token",
        "CodeSettingsAppToken",
    ),
    (
        "auth.sentCodeTypeFirebaseSms",
        "flags",
        2,
        "play_integrity",
        "FirebasePlayIntegrity",
    ),
    (
        "auth.sentCodeTypeFirebaseSms",
        "flags",
        1,
        "ios_push",
        "FirebaseIosPush",
    ),
    (
        "account.passwordInputSettings",
        "flags",
        0,
        "new_password",
        "NewPasswordSettings",
    ),
    (
        "updateNewAuthorization",
        "flags",
        0,
        "details",
        "NewAuthorizationDetails",
    ),
    (
        "auth.finishPasskeyLogin",
        "flags",
        0,
        "from",
        "PasskeyLoginFrom",
    ),
];

/// A field of the generated struct, after grouping shared flag bits.
pub(super) enum Slot {
    /// Always present.
    Plain { name: String, ty: Ty },
    /// `flags.N?T` alone on its bit: `Option<T>`.
    Optional { name: String, ty: Ty, flag: Flag },
    /// `flags.N?true` alone on its bit: `bool`.
    TrueFlag { name: String, flag: Flag },
    /// Several value fields on one bit: `Option<Group>`.
    Group {
        field: String,
        struct_name: String,
        members: Vec<(String, Ty)>,
        flag: Flag,
    },
    /// `flags.N?true` sharing its bit with value fields: derived, exposed as a method.
    Derived { name: String, source: String },
}

impl Slot {
    /// The struct field's name, unless the slot is derived.
    pub(super) fn ident(&self) -> Option<String> {
        match self {
            Slot::Plain { name, .. }
            | Slot::Optional { name, .. }
            | Slot::TrueFlag { name, .. } => Some(field_ident(name)),
            Slot::Group { field, .. } => Some(field.clone()),
            Slot::Derived { .. } => None,
        }
    }

    fn is_secret(&self) -> bool {
        match self {
            Slot::Plain { name, .. } | Slot::Optional { name, .. } => {
                SECRET_FIELDS.contains(&name.as_str())
            }
            _ => false,
        }
    }
}

impl Ctx<'_> {
    /// The struct fields of layout `at`.
    pub(super) fn slots(&self, at: usize) -> Vec<Slot> {
        let d = &self.merged.layouts[at].def;
        let rust_name = &self.names[at];
        // Value fields per (word, bit), to find shared bits.
        let mut values: BTreeMap<(String, u32), Vec<(String, Ty)>> = BTreeMap::new();
        for p in &d.params {
            if let Param::Field {
                name,
                ty,
                flag: Some(f),
            } = p
                && *ty != Ty::True
            {
                values
                    .entry((f.word.clone(), f.bit))
                    .or_default()
                    .push((name.clone(), ty.clone()));
            }
        }
        // An older layout's group structs carry its suffix, so they do not clash.
        let suffix = rust_name.strip_prefix(&camel(&d.name)).unwrap_or_default();
        let group_of = |f: &Flag| -> Option<(String, String)> {
            let members = values.get(&(f.word.clone(), f.bit))?;
            match members.len() {
                0 => None,
                1 => Some((field_ident(&members[0].0), String::new())),
                _ => Some(
                    GROUP_NAMES
                        .iter()
                        .find(|g| g.0 == d.name && g.1 == f.word && g.2 == f.bit)
                        .map(|g| (g.3.to_owned(), format!("{}{suffix}", g.4)))
                        .unwrap_or_else(|| {
                            (
                                format!("{}_{}", f.word, f.bit),
                                format!("{rust_name}{}{}", camel(&f.word), f.bit),
                            )
                        }),
                ),
            }
        };
        let mut slots = Vec::new();
        let mut emitted_groups = BTreeSet::new();
        for p in &d.params {
            let Param::Field { name, ty, flag } = p else {
                continue;
            };
            match flag {
                None => slots.push(Slot::Plain {
                    name: name.clone(),
                    ty: ty.clone(),
                }),
                Some(f) => match (ty, group_of(f)) {
                    (Ty::True, None) => slots.push(Slot::TrueFlag {
                        name: name.clone(),
                        flag: f.clone(),
                    }),
                    (Ty::True, Some((field, _))) => slots.push(Slot::Derived {
                        name: name.clone(),
                        source: field,
                    }),
                    (_, Some((field, sname))) if !sname.is_empty() => {
                        if emitted_groups.insert(field.clone()) {
                            let members = values[&(f.word.clone(), f.bit)].clone();
                            slots.push(Slot::Group {
                                field,
                                struct_name: sname,
                                members,
                                flag: f.clone(),
                            });
                        }
                    }
                    _ => slots.push(Slot::Optional {
                        name: name.clone(),
                        ty: ty.clone(),
                        flag: f.clone(),
                    }),
                },
            }
        }
        slots
    }

    /// The Rust type of a slot of layout `at` (for conversions between layouts).
    pub(super) fn slot_ty(&self, slot: &Slot, owner: &str) -> Result<String, String> {
        Ok(match slot {
            Slot::Plain { name, ty } => self.field_ty(name, ty, owner)?,
            Slot::Optional { name, ty, .. } => {
                format!("Option<{}>", self.field_ty(name, ty, owner)?)
            }
            Slot::TrueFlag { .. } => "bool".into(),
            Slot::Group { struct_name, .. } => format!("Option<{struct_name}>"),
            Slot::Derived { .. } => String::new(),
        })
    }

    /// The struct of layout `at`, with its impls.
    pub(super) fn emit_struct(&self, at: usize) -> Result<String, String> {
        let layout = &self.merged.layouts[at];
        let d = &layout.def;
        let is_fn = d.kind == Kind::Function;
        let name = &self.names[at];
        let owner = if is_fn { "" } else { d.result.as_str() };
        let slots = self.slots(at);
        let varying = self.struct_varies(at);
        let mut s = String::new();
        let mut group_structs = String::new();

        // --- the struct
        let _ = writeln!(s, "/// `{}`", d.line.replace('`', "'"));
        if layout.mask != self.merged.all() {
            let _ = writeln!(s, "///\n/// Defined at {}.", self.describe(layout.mask));
        }
        let has_secret = slots.iter().any(Slot::is_secret);
        let derives = if has_secret {
            "Clone, PartialEq"
        } else {
            "Clone, PartialEq, Debug"
        };
        let _ = writeln!(s, "#[derive({derives}, Default)]");
        s.push_str("#[cfg_attr(feature = \"arbitrary\", derive(arbitrary::Arbitrary))]\n");
        let _ = writeln!(s, "pub struct {name} {{");
        for sl in &slots {
            match sl {
                Slot::Plain { name: n, ty } => {
                    let _ = writeln!(
                        s,
                        "    /// `{n}`\n    pub {}: {},",
                        field_ident(n),
                        self.field_ty(n, ty, owner)?
                    );
                }
                Slot::Optional { name: n, ty, flag } => {
                    let _ = writeln!(
                        s,
                        "    /// `{n}`, present when bit {} of `{}` is set.\n    pub {}: Option<{}>,",
                        flag.bit,
                        flag.word,
                        field_ident(n),
                        self.field_ty(n, ty, owner)?
                    );
                }
                Slot::TrueFlag { name: n, flag } => {
                    let _ = writeln!(
                        s,
                        "    /// `{n}`: bit {} of `{}`.\n    pub {}: bool,",
                        flag.bit,
                        flag.word,
                        field_ident(n)
                    );
                }
                Slot::Group {
                    field,
                    struct_name,
                    members,
                    flag,
                } => {
                    let names: Vec<_> = members.iter().map(|m| format!("`{}`", m.0)).collect();
                    let _ = writeln!(
                        s,
                        "    /// {}: present together, when bit {} of `{}` is set.\n    pub {field}: Option<{struct_name}>,",
                        names.join(", "),
                        flag.bit,
                        flag.word
                    );
                    group_structs.push_str(&self.emit_group(
                        struct_name,
                        members,
                        owner,
                        &d.name,
                    )?);
                }
                Slot::Derived { .. } => {}
            }
        }
        s.push_str("}\n\n");

        // --- Debug with redaction
        if has_secret {
            let _ = writeln!(s, "impl std::fmt::Debug for {name} {{");
            s.push_str(
                "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n",
            );
            let _ = writeln!(s, "        f.debug_struct(\"{name}\")");
            for sl in &slots {
                let (n, ident) = match sl {
                    Slot::Plain { name: n, .. }
                    | Slot::Optional { name: n, .. }
                    | Slot::TrueFlag { name: n, .. } => (n.clone(), field_ident(n)),
                    Slot::Group { field, .. } => (field.clone(), field.clone()),
                    Slot::Derived { .. } => continue,
                };
                if SECRET_FIELDS.contains(&n.as_str()) {
                    let _ = writeln!(
                        s,
                        "            .field(\"{ident}\", &crate::tl::codec::Redacted(crate::tl::codec::SecretLen::secret_len(&self.{ident})))"
                    );
                } else {
                    let _ = writeln!(s, "            .field(\"{ident}\", &self.{ident})");
                }
            }
            s.push_str("            .finish()\n    }\n}\n\n");
        }

        // --- derived accessors
        let derived: Vec<_> = slots
            .iter()
            .filter_map(|sl| match sl {
                Slot::Derived { name, source } => Some((name, source)),
                _ => None,
            })
            .collect();
        if !derived.is_empty() {
            let _ = writeln!(s, "impl {name} {{");
            for (n, src) in derived {
                let _ = writeln!(
                    s,
                    "    /// `{n}`: shares its flag bit with `{src}`, so it is set exactly when that is present.\n    pub fn {}(&self) -> bool {{\n        self.{src}.is_some()\n    }}",
                    field_ident(n)
                );
            }
            s.push_str("}\n\n");
        }

        // --- Identifiable
        let _ = writeln!(
            s,
            "impl Identifiable for {name} {{\n    const CONSTRUCTOR_ID: u32 = {:#010x};\n    const NAME: &'static str = \"{}\";\n}}\n",
            d.id, d.name
        );

        s.push_str(&self.emit_serialize(name, d, &slots));
        s.push_str(&self.emit_deserialize(name, d, &slots, owner, varying)?);

        if is_fn {
            let ret = self.return_ty(&d.result)?;
            let _ = writeln!(
                s,
                "impl RemoteCall for {name} {{\n    type Return = {ret};\n}}\n"
            );
        }
        s.push_str(&group_structs);
        Ok(s)
    }

    fn emit_serialize(&self, name: &str, d: &Definition, slots: &[Slot]) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "impl Serialize for {name} {{");
        s.push_str("    fn serialize(&self, out: &mut Vec<u8>) {\n");
        if d.kind == Kind::Function {
            s.push_str("        write::u32(out, Self::CONSTRUCTOR_ID);\n");
        }
        for p in &d.params {
            if let Param::FlagsWord(w) = p {
                let mut terms = Vec::new();
                for sl in slots {
                    match sl {
                        Slot::TrueFlag { name: n, flag } if &flag.word == w => {
                            terms.push(format!(
                                "if self.{} {{ 1 << {} }} else {{ 0 }}",
                                field_ident(n),
                                flag.bit
                            ));
                        }
                        Slot::Optional { name: n, flag, .. } if &flag.word == w => {
                            terms.push(format!(
                                "if self.{}.is_some() {{ 1 << {} }} else {{ 0 }}",
                                field_ident(n),
                                flag.bit
                            ))
                        }
                        Slot::Group { field, flag, .. } if &flag.word == w => terms.push(format!(
                            "if self.{field}.is_some() {{ 1 << {} }} else {{ 0 }}",
                            flag.bit
                        )),
                        _ => {}
                    }
                }
                if terms.is_empty() {
                    terms.push("0".into());
                }
                let _ = writeln!(
                    s,
                    "        let {}: u32 = {};",
                    local(w),
                    terms.join("\n            | ")
                );
            }
        }
        for p in &d.params {
            match p {
                Param::FlagsWord(w) => {
                    let _ = writeln!(s, "        write::u32(out, {});", local(w));
                }
                Param::Field { name: n, ty, .. } => {
                    let slot = slots.iter().find(|sl| match sl {
                        Slot::Plain { name, .. } | Slot::Optional { name, .. } => name == n,
                        Slot::Group { members, .. } => members.iter().any(|m| &m.0 == n),
                        _ => false,
                    });
                    match slot {
                        Some(Slot::Plain { .. }) => {
                            let _ = writeln!(
                                s,
                                "        {}",
                                write_stmt(ty, &format!("self.{}", field_ident(n)), true)
                            );
                        }
                        Some(Slot::Optional { .. }) => {
                            let _ = writeln!(
                                s,
                                "        if let Some(v) = &self.{} {{\n            {}\n        }}",
                                field_ident(n),
                                write_stmt(ty, "v", false)
                            );
                        }
                        Some(Slot::Group { field, .. }) => {
                            let _ = writeln!(
                                s,
                                "        if let Some(g) = &self.{field} {{\n            {}\n        }}",
                                write_stmt(ty, &format!("g.{}", field_ident(n)), true)
                            );
                        }
                        _ => {}
                    }
                }
            }
        }
        s.push_str("    }\n\n");
        s.push_str(&encoded_len_fn(d, slots));
        s.push_str("}\n\n");
        s
    }

    /// `Deserialize`, and for a struct whose fields depend on the layer `DeserializeAt` with the
    /// body (then `Deserialize` accepts every layer's layouts).
    fn emit_deserialize(
        &self,
        name: &str,
        d: &Definition,
        slots: &[Slot],
        owner: &str,
        varying: bool,
    ) -> Result<String, String> {
        let mut body = String::new();
        if d.kind == Kind::Function {
            body.push_str(
                "        let id = r.u32()?;\n        if id != Self::CONSTRUCTOR_ID {\n            return Err(DecodeError::UnknownConstructor { id, expected: Self::NAME });\n        }\n",
            );
        }
        for p in &d.params {
            match p {
                Param::FlagsWord(w) => {
                    let _ = writeln!(body, "        let {} = r.u32()?;", local(w));
                }
                Param::Field { name: n, ty, flag } => {
                    let is_derived = slots
                        .iter()
                        .any(|sl| matches!(sl, Slot::Derived { name, .. } if name == n));
                    if is_derived {
                        continue;
                    }
                    match flag {
                        None => {
                            let _ = writeln!(
                                body,
                                "        let {} = {};",
                                local(n),
                                self.read_field(n, ty, owner, varying)?
                            );
                        }
                        Some(f) if *ty == Ty::True => {
                            let _ = writeln!(
                                body,
                                "        let {} = {} & (1 << {}) != 0;",
                                local(n),
                                local(&f.word),
                                f.bit
                            );
                        }
                        Some(f) => {
                            let _ = writeln!(
                                body,
                                "        let {} = if {} & (1 << {}) != 0 {{ Some({}) }} else {{ None }};",
                                local(n),
                                local(&f.word),
                                f.bit,
                                self.read_field(n, ty, owner, varying)?
                            );
                        }
                    }
                }
            }
        }
        for sl in slots {
            if let Slot::Group {
                field,
                struct_name,
                members,
                ..
            } = sl
            {
                let locals: Vec<_> = members.iter().map(|m| local(&m.0)).collect();
                let somes: Vec<_> = locals.iter().map(|l| format!("Some({l})")).collect();
                let inits: Vec<_> = members
                    .iter()
                    .zip(&locals)
                    .map(|(m, l)| format!("{}: {l}", field_ident(&m.0)))
                    .collect();
                let _ = writeln!(
                    body,
                    "        let {} = match ({}) {{\n            ({}) => Some({struct_name} {{ {} }}),\n            _ => None,\n        }};",
                    local(field),
                    locals.join(", "),
                    somes.join(", "),
                    inits.join(", ")
                );
            }
        }
        body.push_str("        Ok(Self {\n");
        for sl in slots {
            match sl {
                Slot::Plain { name: n, .. }
                | Slot::Optional { name: n, .. }
                | Slot::TrueFlag { name: n, .. } => {
                    let _ = writeln!(body, "            {}: {},", field_ident(n), local(n));
                }
                Slot::Group { field, .. } => {
                    let _ = writeln!(body, "            {field}: {},", local(field));
                }
                Slot::Derived { .. } => {}
            }
        }
        body.push_str("        })\n");

        let mut s = String::new();
        if varying {
            let _ = writeln!(s, "impl DeserializeAt for {name} {{");
            s.push_str("    fn deserialize_at(r: &mut Reader<'_>, layers: LayerMask) -> Result<Self, DecodeError> {\n");
            s.push_str(&body);
            s.push_str("    }\n}\n\n");
            let _ = writeln!(s, "impl Deserialize for {name} {{");
            s.push_str("    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError> {\n        Self::deserialize_at(r, LayerMask::ALL)\n    }\n}\n\n");
        } else {
            let _ = writeln!(s, "impl Deserialize for {name} {{");
            s.push_str("    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError> {\n");
            s.push_str(&body);
            s.push_str("    }\n}\n\n");
        }
        Ok(s)
    }

    fn emit_group(
        &self,
        name: &str,
        members: &[(String, Ty)],
        owner: &str,
        def: &str,
    ) -> Result<String, String> {
        let mut s = String::new();
        let secret = members
            .iter()
            .any(|m| SECRET_FIELDS.contains(&m.0.as_str()));
        let _ = writeln!(s, "/// Fields of `{def}` that share one flag bit.");
        let _ = writeln!(
            s,
            "#[derive(Clone, PartialEq{}, Default)]",
            if secret { "" } else { ", Debug" }
        );
        s.push_str("#[cfg_attr(feature = \"arbitrary\", derive(arbitrary::Arbitrary))]\n");
        let _ = writeln!(s, "pub struct {name} {{");
        for (n, ty) in members {
            let _ = writeln!(
                s,
                "    /// `{n}`\n    pub {}: {},",
                field_ident(n),
                self.field_ty(n, ty, owner)?
            );
        }
        s.push_str("}\n\n");
        if secret {
            let _ = writeln!(s, "impl std::fmt::Debug for {name} {{");
            s.push_str(
                "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n",
            );
            let _ = writeln!(s, "        f.debug_struct(\"{name}\")");
            for (n, _) in members {
                let ident = field_ident(n);
                if SECRET_FIELDS.contains(&n.as_str()) {
                    let _ = writeln!(
                        s,
                        "            .field(\"{ident}\", &crate::tl::codec::Redacted(crate::tl::codec::SecretLen::secret_len(&self.{ident})))"
                    );
                } else {
                    let _ = writeln!(s, "            .field(\"{ident}\", &self.{ident})");
                }
            }
            s.push_str("            .finish()\n    }\n}\n\n");
        }
        Ok(s)
    }

    /// `From` between layout `from` and layout `to` of one name: fields of the same name and
    /// type move over, the rest of `to` takes its default.
    pub(super) fn emit_conversion(&self, from: usize, to: usize) -> Result<String, String> {
        let owner = self.merged.layouts[to].def.result.as_str();
        let from_path = self.struct_path(from);
        let to_path = self.struct_path(to);
        let mut source: BTreeMap<String, String> = BTreeMap::new();
        for sl in self.slots(from) {
            if let Some(ident) = sl.ident() {
                source.insert(ident, self.slot_ty(&sl, owner)?);
            }
        }
        let mut s = String::new();
        let _ = writeln!(
            s,
            "impl From<{from_path}> for {to_path} {{\n    /// Fields of the same name move over; the others take their defaults.\n    fn from(x: {from_path}) -> Self {{"
        );
        s.push_str("        Self {\n");
        for sl in &self.slots(to) {
            let Some(ident) = sl.ident() else { continue };
            if source.get(&ident) == Some(&self.slot_ty(sl, owner)?) {
                let _ = writeln!(s, "            {ident}: x.{ident},");
            } else {
                let _ = writeln!(s, "            {ident}: Default::default(),");
            }
        }
        s.push_str("        }\n    }\n}\n\n");
        Ok(s)
    }
}

/// `Serialize::encoded_len` of a struct: what `serialize` writes, summed without writing it.
fn encoded_len_fn(d: &Definition, slots: &[Slot]) -> String {
    let mut parts = Vec::new();
    if d.kind == Kind::Function {
        parts.push("Ok(4)".to_owned());
    }
    for p in &d.params {
        match p {
            Param::FlagsWord(_) => parts.push("Ok(4)".to_owned()),
            Param::Field { name: n, ty, .. } => {
                let slot = slots.iter().find(|sl| match sl {
                    Slot::Plain { name, .. } | Slot::Optional { name, .. } => name == n,
                    Slot::Group { members, .. } => members.iter().any(|m| &m.0 == n),
                    _ => false,
                });
                let field = field_ident(n);
                let part = match slot {
                    Some(Slot::Plain { .. }) => len_expr(ty, &format!("self.{field}"), true),
                    Some(Slot::Optional { .. }) => len_expr(ty, "v", false).map(|len| {
                        format!("match &self.{field} {{ Some(v) => {len}, None => Ok(0) }}")
                    }),
                    Some(Slot::Group { field: group, .. }) => {
                        len_expr(ty, &format!("g.{field}"), true).map(|len| {
                            format!("match &self.{group} {{ Some(g) => {len}, None => Ok(0) }}")
                        })
                    }
                    _ => None,
                };
                parts.extend(part);
            }
        }
    }
    format!(
        "    fn encoded_len(&self) -> Result<usize, EncodeError> {{\n        write::sum(&[{}])\n    }}\n",
        parts.join(", ")
    )
}

/// The expression for the encoded size of the value `expr` of type `ty` (`None` for a `true`
/// flag, which takes no bytes); `place` as for [`write_stmt`].
fn len_expr(ty: &Ty, expr: &str, place: bool) -> Option<String> {
    let by_ref = if place {
        format!("&{expr}")
    } else {
        expr.to_owned()
    };
    Some(match ty {
        Ty::Int | Ty::Bool => "Ok(4)".to_owned(),
        Ty::Long | Ty::Double => "Ok(8)".to_owned(),
        Ty::Int128 => "Ok(16)".to_owned(),
        Ty::Int256 => "Ok(32)".to_owned(),
        Ty::True => return None,
        Ty::String | Ty::Bytes => format!("write::bytes_len({expr}.len())"),
        Ty::Vector(inner) => format!(
            "write::vector_len({by_ref}, |x| {})",
            len_expr(inner, "x", false).unwrap_or_else(|| "Ok(0)".to_owned())
        ),
        Ty::Named(_) => format!("{expr}.encoded_len()"),
    })
}

/// A statement writing the value `expr` of type `ty`; `place` says `expr` is a place (field
/// access) rather than a reference.
fn write_stmt(ty: &Ty, expr: &str, place: bool) -> String {
    let by_ref = if place {
        format!("&{expr}")
    } else {
        expr.to_owned()
    };
    let by_val = if place {
        expr.to_owned()
    } else {
        format!("*{expr}")
    };
    match ty {
        Ty::Int => format!("write::i32(out, {by_val});"),
        Ty::Long => format!("write::i64(out, {by_val});"),
        Ty::Double => format!("write::f64(out, {by_val});"),
        Ty::String => format!("write::bytes(out, {expr}.as_bytes());"),
        Ty::Bytes => format!("write::bytes(out, {by_ref});"),
        Ty::Int128 | Ty::Int256 => format!("write::fixed(out, {by_ref});"),
        Ty::Bool => format!("write::bool(out, {by_val});"),
        Ty::True => String::new(),
        Ty::Vector(inner) => {
            format!(
                "write::vector(out, {by_ref}, |out, x| {{ {} }});",
                write_stmt(inner, "x", false)
            )
        }
        Ty::Named(_) => format!("{expr}.serialize(out);"),
    }
}
