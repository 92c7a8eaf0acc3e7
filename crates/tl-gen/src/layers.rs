//! Several layers' schemas merged into one set of *layouts*: one per distinct wire form
//! (name and id), each with the set of layers that define it.
//!
//! Telegram's id rule drops `flags.N?true` fields from the hashed text, so two layers can give
//! one id to lines that differ only in such bits (`user#31774388` gains three bot flags between
//! layers 220 and 227). Those bits do not change the wire form: the layout keeps the union of
//! them. Any other difference changes the id, and makes a layout of its own.

use std::collections::BTreeMap;

use crate::schema::{self, Definition, Kind, Param, Ty};

/// One layer's schema text.
#[derive(Debug, Clone, Copy)]
pub struct LayerText<'a> {
    /// The layer the text belongs to.
    pub layer: i32,
    /// Its schema lines.
    pub text: &'a str,
}

/// One wire form of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The definition; `flags.N?true` fields are the union over every layer that has it.
    pub def: Definition,
    /// Bit `i` is set when `Merged::layers[i]` defines this layout.
    pub mask: u16,
}

/// Every layout of every layer, and the layers they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The schema layers, oldest first; bit `i` of a mask stands for `layers[i]`.
    pub layers: Vec<i32>,
    /// The newest layer's definitions in schema order, then those only older layers have.
    pub layouts: Vec<Layout>,
}

impl Merged {
    /// The mask with every layer's bit set.
    pub fn all(&self) -> u16 {
        all_bits(self.layers.len())
    }

    /// The layers of `mask`, oldest first.
    pub fn layers_of(&self, mask: u16) -> Vec<i32> {
        (0..self.layers.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| self.layers[i])
            .collect()
    }
}

fn all_bits(n: usize) -> u16 {
    if n >= 16 { u16::MAX } else { (1u16 << n) - 1 }
}

/// Parses every layer (and `shared`, lines that belong to all of them, such as `rpc_error`) and
/// merges the definitions into layouts.
///
/// # Errors
///
/// A line that does not parse, more than 16 layers or two texts for one layer, or two lines
/// with one id whose fields differ in more than `flags.N?true` bits.
pub fn merge(layers: &[LayerText<'_>], shared: &str) -> Result<Merged, String> {
    let mut sorted: Vec<LayerText<'_>> = layers.to_vec();
    sorted.sort_by_key(|l| l.layer);
    if sorted.windows(2).any(|w| w[0].layer == w[1].layer) {
        return Err("two schemas for one layer".into());
    }
    if sorted.is_empty() || sorted.len() > 16 {
        return Err(format!("{} layers: 1 to 16 are supported", sorted.len()));
    }
    let shared = schema::parse(shared).map_err(|e| format!("shared schema: {e}"))?;
    let mut merged = Merged {
        layers: sorted.iter().map(|l| l.layer).collect(),
        layouts: Vec::new(),
    };
    let mut index: BTreeMap<(Kind, String, u32), usize> = BTreeMap::new();
    // Newest first, so the newest layer's order leads and its lines are the base of a merge.
    for (bit, layer) in sorted.iter().enumerate().rev() {
        let mut defs =
            schema::parse(layer.text).map_err(|e| format!("layer {}: {e}", layer.layer))?;
        defs.extend(shared.iter().cloned());
        for def in defs {
            let key = (def.kind, def.name.clone(), def.id);
            match index.get(&key) {
                Some(&at) => {
                    let layout = &mut merged.layouts[at];
                    if layout.mask & (1 << bit) != 0 {
                        continue; // a shared line, or a duplicate in one layer
                    }
                    add_true_flags(&mut layout.def, &def)
                        .map_err(|e| format!("layer {}: {e}", layer.layer))?;
                    layout.mask |= 1 << bit;
                }
                None => {
                    index.insert(key, merged.layouts.len());
                    merged.layouts.push(Layout {
                        def,
                        mask: 1 << bit,
                    });
                }
            }
        }
    }
    Ok(merged)
}

/// Adds to `base` the `flags.N?true` fields of `other` (same name and id) that it lacks.
fn add_true_flags(base: &mut Definition, other: &Definition) -> Result<(), String> {
    let values = |d: &Definition| -> Vec<Param> {
        d.params
            .iter()
            .filter(|p| !matches!(p, Param::Field { ty: Ty::True, .. }))
            .cloned()
            .collect()
    };
    if values(base) != values(other) {
        return Err(format!(
            "{}#{:x} has other fields than in a newer layer",
            base.name, base.id
        ));
    }
    for p in &other.params {
        let Param::Field {
            name,
            ty: Ty::True,
            flag: Some(flag),
        } = p
        else {
            continue;
        };
        let clash = base.params.iter().find(|q| {
            matches!(q, Param::Field { flag: Some(f), .. } if f == flag)
                || matches!(q, Param::Field { name: n, .. } if n == name)
        });
        match clash {
            Some(Param::Field { name: n, ty, .. }) if n == name && *ty == Ty::True => continue,
            Some(q) => {
                return Err(format!(
                    "{}: `{name}:{}.{}?true` clashes with {q:?} of a newer layer",
                    base.name, flag.word, flag.bit
                ));
            }
            None => {}
        }
        // After the last true flag of the same word with a lower bit, else after the word.
        let at = base
            .params
            .iter()
            .rposition(|q| {
                matches!(q, Param::Field { ty: Ty::True, flag: Some(f), .. }
                    if f.word == flag.word && f.bit < flag.bit)
            })
            .or_else(|| {
                base.params
                    .iter()
                    .position(|q| *q == Param::FlagsWord(flag.word.clone()))
            })
            .ok_or_else(|| format!("{}: no flags word `{}`", base.name, flag.word))?;
        base.params.insert(at + 1, p.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "a#1 flags:# x:flags.0?true n:int = A;\nb#2 = B;\n---functions---\nf#9 = B;";
    const NEW: &str = "a#1 flags:# x:flags.0?true y:flags.1?true n:int = A;\nb#3 m:int = B;\n---functions---\nf#9 = B;";

    #[test]
    fn one_id_is_one_layout_with_the_union_of_true_flags() {
        let merged = merge(
            &[
                LayerText {
                    layer: 2,
                    text: NEW,
                },
                LayerText {
                    layer: 1,
                    text: "a#1 flags:# z:flags.2?true n:int = A;",
                },
            ],
            "",
        )
        .unwrap();
        assert_eq!(merged.layers, [1, 2]);
        let a = &merged.layouts[0];
        assert_eq!(a.mask, 0b11);
        let names: Vec<_> = a
            .def
            .params
            .iter()
            .map(|p| match p {
                Param::FlagsWord(w) => w.clone(),
                Param::Field { name, .. } => name.clone(),
            })
            .collect();
        assert_eq!(names, ["flags", "x", "y", "z", "n"]);
    }

    #[test]
    fn a_new_id_is_a_new_layout_and_shared_lines_belong_to_every_layer() {
        let merged = merge(
            &[
                LayerText {
                    layer: 1,
                    text: OLD,
                },
                LayerText {
                    layer: 2,
                    text: NEW,
                },
            ],
            "e#7 = E;",
        )
        .unwrap();
        let masks: Vec<_> = merged
            .layouts
            .iter()
            .map(|l| (l.def.name.as_str(), l.def.id, l.mask))
            .collect();
        assert_eq!(
            masks,
            [
                ("a", 1, 0b11),
                ("b", 3, 0b10),
                ("f", 9, 0b11),
                ("e", 7, 0b11),
                ("b", 2, 0b01)
            ]
        );
        assert_eq!(merged.layers_of(0b10), [2]);
        assert_eq!(merged.all(), 0b11);
    }

    #[test]
    fn same_id_with_other_value_fields_is_refused() {
        let err = merge(
            &[
                LayerText {
                    layer: 1,
                    text: "a#1 n:long = A;",
                },
                LayerText {
                    layer: 2,
                    text: "a#1 n:int = A;",
                },
            ],
            "",
        )
        .unwrap_err();
        assert!(err.contains("other fields"), "{err}");
        assert!(merge(&[], "").is_err());
    }
}
