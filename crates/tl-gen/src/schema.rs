//! Parsing TL schema text into definitions, and Telegram's CRC32 id rule.

use std::fmt;

/// Whether a definition is a constructor of a type or an API function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Declared before `---functions---`.
    Constructor,
    /// Declared after `---functions---`.
    Function,
}

/// A field's type, as far as the generator needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `int`
    Int,
    /// `long`
    Long,
    /// `double`
    Double,
    /// `string`
    String,
    /// `bytes`
    Bytes,
    /// `int128`
    Int128,
    /// `int256`
    Int256,
    /// `Bool`
    Bool,
    /// `true`, only meaningful behind a flag.
    True,
    /// `Vector<T>`
    Vector(Box<Ty>),
    /// A boxed type by its full name, e.g. `auth.SentCodeType`.
    Named(String),
}

/// A field's presence condition: bit `bit` of the flags word `word`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Name of the flags word (`flags`, `flags2`).
    pub word: String,
    /// Bit index.
    pub bit: u32,
}

/// One parameter of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// `name:#`, a flags word computed from the optional fields.
    FlagsWord(String),
    /// A data field, possibly conditional on a flag.
    Field {
        /// Name as written in the schema.
        name: String,
        /// Its type.
        ty: Ty,
        /// The flag it depends on, if any.
        flag: Option<Flag>,
    },
}

/// One schema line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    /// Full name, e.g. `auth.sentCode`.
    pub name: String,
    /// The id written after `#`.
    pub id: u32,
    /// Parameters in order.
    pub params: Vec<Param>,
    /// Result type name, e.g. `auth.SentCode`, `Bool`, `Vector<long>`.
    pub result: String,
    /// Constructor or function.
    pub kind: Kind,
    /// The schema line it came from, without the trailing `;`.
    pub line: String,
}

/// A schema line that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "schema line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Built-in definitions that the generator maps to Rust primitives instead of generating.
pub const BUILTINS: &[&str] = &[
    "int",
    "long",
    "double",
    "string",
    "bytes",
    "int128",
    "int256",
    "true",
    "boolFalse",
    "boolTrue",
    "vector",
    "error",
];

/// Parses schema text. Built-ins and generic definitions (`{X:Type}`) are skipped, as are
/// comments and blank lines.
pub fn parse(text: &str) -> Result<Vec<Definition>, ParseError> {
    let mut kind = Kind::Constructor;
    let mut defs = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let err = |message: String| ParseError {
            line: idx + 1,
            message,
        };
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        if line == "---functions---" {
            kind = Kind::Function;
            continue;
        }
        if line == "---types---" {
            kind = Kind::Constructor;
            continue;
        }
        let Some(decl) = line.strip_suffix(';') else {
            return Err(err("missing `;`".into()));
        };
        let head = decl.split_whitespace().next().unwrap_or_default();
        let name = head.split('#').next().unwrap_or_default();
        if BUILTINS.contains(&name) || decl.contains('{') {
            continue;
        }
        let Some((_, hex)) = head.split_once('#') else {
            return Err(err(format!("`{name}` has no #id")));
        };
        let id = u32::from_str_radix(hex, 16).map_err(|e| err(format!("bad id `{hex}`: {e}")))?;
        let Some((lhs, result)) = decl.split_once(" = ") else {
            return Err(err("missing ` = Type`".into()));
        };
        let mut params = Vec::new();
        for token in lhs.split_whitespace().skip(1) {
            let Some((pname, pty)) = token.split_once(':') else {
                return Err(err(format!("parameter `{token}` has no type")));
            };
            if pty == "#" {
                params.push(Param::FlagsWord(pname.to_owned()));
                continue;
            }
            let (flag, ty_text) = match pty.split_once('?') {
                Some((cond, t)) => {
                    let (word, bit) = cond
                        .split_once('.')
                        .ok_or_else(|| err(format!("bad condition `{cond}`")))?;
                    let bit: u32 = bit.parse().map_err(|_| err(format!("bad bit `{bit}`")))?;
                    if bit > 31 {
                        return Err(err(format!("bit {bit} out of range")));
                    }
                    if !params.contains(&Param::FlagsWord(word.to_owned())) {
                        return Err(err(format!("flags word `{word}` used before declared")));
                    }
                    (
                        Some(Flag {
                            word: word.to_owned(),
                            bit,
                        }),
                        t,
                    )
                }
                None => (None, pty),
            };
            let ty = parse_ty(ty_text).map_err(err)?;
            if ty == Ty::True && flag.is_none() {
                return Err(err(format!("`{pname}:true` outside a flag")));
            }
            params.push(Param::Field {
                name: pname.to_owned(),
                ty,
                flag,
            });
        }
        defs.push(Definition {
            name: name.to_owned(),
            id,
            params,
            result: result.trim().to_owned(),
            kind,
            line: decl.to_owned(),
        });
    }
    Ok(defs)
}

fn parse_ty(text: &str) -> Result<Ty, String> {
    Ok(match text {
        "int" => Ty::Int,
        "long" => Ty::Long,
        "double" => Ty::Double,
        "string" => Ty::String,
        "bytes" => Ty::Bytes,
        "int128" => Ty::Int128,
        "int256" => Ty::Int256,
        "Bool" => Ty::Bool,
        "true" => Ty::True,
        _ => {
            if let Some(inner) = text
                .strip_prefix("Vector<")
                .and_then(|t| t.strip_suffix('>'))
            {
                Ty::Vector(Box::new(parse_ty(inner)?))
            } else if text
                .rsplit('.')
                .next()
                .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_uppercase()))
            {
                Ty::Named(text.to_owned())
            } else {
                return Err(format!("unsupported type `{text}`"));
            }
        }
    })
}

/// The text Telegram hashes to get a definition's id (../spec/mtproto-TL.md): the declaration
/// without its `#id`, `flags.N?true` fields dropped, `bytes` written `string` where it is a
/// field's own type, braces and angle brackets removed.
pub fn id_source(line: &str) -> String {
    let decl = line.trim().trim_end_matches(';');
    let mut out = Vec::new();
    for (i, token) in decl.split_whitespace().enumerate() {
        if i == 0 {
            out.push(token.split('#').next().unwrap_or_default().to_owned());
            continue;
        }
        let token = token.trim_start_matches('{').trim_end_matches('}');
        if let Some((name, ty)) = token.split_once(':') {
            if ty.ends_with("?true") {
                continue;
            }
            let ty = match ty.split_once('?') {
                Some((cond, "bytes")) => format!("{cond}?string"),
                _ if ty == "bytes" => "string".to_owned(),
                _ => ty.to_owned(),
            };
            out.push(format!("{name}:{ty}"));
        } else {
            out.push(token.to_owned());
        }
    }
    out.join(" ").replace('<', " ").replace('>', "")
}

/// Telegram's id for a schema line: CRC32 (IEEE) of [`id_source`].
pub fn compute_id(line: &str) -> u32 {
    crc32fast::hash(id_source(line).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_rule_drops_true_flags_and_rewrites_bytes() {
        let line =
            "auth.loggedOut#c3a2835f flags:# future_auth_token:flags.0?bytes = auth.LoggedOut;";
        assert_eq!(
            id_source(line),
            "auth.loggedOut flags:# future_auth_token:flags.0?string = auth.LoggedOut"
        );
        assert_eq!(compute_id(line), 0xc3a2835f);
        let vec = "auth.dropTempAuthKeys#8e48a188 except_auth_keys:Vector<long> = Bool;";
        assert_eq!(compute_id(vec), 0x8e48a188);
        let generic = "vector#1cb5c415 {t:Type} # [ t ] = Vector t;";
        assert_eq!(compute_id(generic), 0x1cb5c415);
    }

    #[test]
    fn parses_two_flag_words_and_conditions() {
        let defs =
            parse("a#1 flags:# x:flags.0?true flags2:# y:flags2.3?Vector<int> = A;").unwrap();
        assert_eq!(defs.len(), 1);
        assert_eq!(
            defs[0].params[3],
            Param::Field {
                name: "y".into(),
                ty: Ty::Vector(Box::new(Ty::Int)),
                flag: Some(Flag {
                    word: "flags2".into(),
                    bit: 3
                })
            }
        );
    }

    #[test]
    fn rejects_undeclared_flag_words() {
        assert!(parse("a#1 x:flags.0?int = A;").is_err());
        assert!(parse("a#1 flags:# x:flags.40?int = A;").is_err());
        assert!(parse("a#zz = A;").is_err());
    }
}
