//! Which definitions of Telegram's full schema are generated, and cutting them out of one
//! layer's schema file, verbatim.
//!
//! A selection is a text of lines `type NAME` (every constructor of the boxed type, whatever the
//! layer), `constructor NAME` (one constructor of a type taken only in part) and
//! `function NAME`; `#` starts a comment. [`extract`] keeps, in schema order, every line of a
//! layer's schema that the selection names, so each layer contributes what *it* defines: a
//! constructor added in a later layer simply is not in an older layer's extract.

use std::collections::BTreeSet;

use crate::schema::{self, Kind, Ty};

/// The names a selection lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Boxed types taken whole.
    pub types: BTreeSet<String>,
    /// Single constructors.
    pub constructors: BTreeSet<String>,
    /// Functions.
    pub functions: BTreeSet<String>,
}

impl Selection {
    /// Parses selection text.
    ///
    /// # Errors
    ///
    /// A line that is not `type`, `constructor` or `function` followed by one name.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut s = Selection::default();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(kind), Some(name), None) = (words.next(), words.next(), words.next()) else {
                return Err(format!("selection line {}: `{line}`", i + 1));
            };
            let set = match kind {
                "type" => &mut s.types,
                "constructor" => &mut s.constructors,
                "function" => &mut s.functions,
                other => return Err(format!("selection line {}: unknown kind `{other}`", i + 1)),
            };
            set.insert(name.to_owned());
        }
        Ok(s)
    }
}

/// Cuts the selected lines out of one layer's full schema `text`, in order, under
/// `---functions---` where they were; returns them with `header` (comment lines) on top.
///
/// Every selected line must parse, and every type a selected line uses must be selected too
/// (function results excepted: an unselected result is kept as raw bytes).
///
/// # Errors
///
/// A selected line that does not parse, or a type used but not selected.
pub fn extract(selection: &Selection, text: &str, header: &str) -> Result<String, String> {
    let mut out = String::new();
    for line in header.lines() {
        out.push_str("// ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    let mut functions = false;
    let mut wrote_separator = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line == "---functions---" {
            functions = true;
            continue;
        }
        if line == "---types---" {
            functions = false;
            continue;
        }
        let Some(decl) = line.strip_suffix(';') else {
            continue;
        };
        let head = decl.split_whitespace().next().unwrap_or_default();
        let Some((name, _)) = head.split_once('#') else {
            continue;
        };
        let result = decl.rsplit_once(" = ").map_or("", |(_, r)| r.trim());
        let wanted = if functions {
            selection.functions.contains(name)
        } else {
            selection.constructors.contains(name) || selection.types.contains(result)
        };
        if !wanted {
            continue;
        }
        if functions && !wrote_separator {
            out.push_str("\n---functions---\n\n");
            wrote_separator = true;
        }
        out.push_str(line);
        out.push('\n');
    }
    check_closed(selection, &out)?;
    Ok(out)
}

/// Every type a constructor's field or a function's parameter uses is selected.
fn check_closed(selection: &Selection, extract: &str) -> Result<(), String> {
    let defs = schema::parse(extract).map_err(|e| e.to_string())?;
    let defined: BTreeSet<&str> = defs
        .iter()
        .filter(|d| d.kind == Kind::Constructor)
        .map(|d| d.result.as_str())
        .collect();
    for d in &defs {
        for p in &d.params {
            if let schema::Param::Field { ty, .. } = p {
                let mut ty = ty;
                while let Ty::Vector(inner) = ty {
                    ty = inner;
                }
                if let Ty::Named(n) = ty
                    && !defined.contains(n.as_str())
                    && !selection.types.contains(n)
                {
                    return Err(format!("{} uses `{n}`, which is not selected", d.name));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = "\
boolTrue#997275b5 = Bool;
a#1 b:B = A;
b#2 = B;
b2#3 n:int = B;
u#4 = U;
u2#5 = U;
---functions---
f#9 a:A = A;
g#8 = U;
";

    #[test]
    fn keeps_selected_lines_verbatim_and_in_order() {
        let sel =
            Selection::parse("# comment\ntype A\ntype B   # whole\nconstructor u2\nfunction f\n")
                .unwrap();
        let out = extract(&sel, FULL, "Layer 1\nfrom x").unwrap();
        assert_eq!(
            out,
            "// Layer 1\n// from x\n\na#1 b:B = A;\nb#2 = B;\nb2#3 n:int = B;\nu2#5 = U;\n\n---functions---\n\nf#9 a:A = A;\n"
        );
    }

    #[test]
    fn an_unselected_field_type_is_refused() {
        let sel = Selection::parse("type A\n").unwrap();
        let err = extract(&sel, FULL, "").unwrap_err();
        assert!(err.contains("`B`"), "{err}");
        assert!(Selection::parse("type\n").is_err());
        assert!(Selection::parse("kind X\n").is_err());
    }
}
