//! The names of every API function of the supported layers, and the layers that have each, so
//! that the simulator can tell a real method it does not simulate (`401` before login) from
//! garbage or a method of another layer (`400 INPUT_CONSTRUCTOR_INVALID`), and log every call
//! by name.
//!
//! `data/functions.txt` holds one `id name layers` line per function of the schemas of layers
//! 220–230 (extracted from Telegram's schema files; `layers` lists the schema layers that have
//! it, as `220-230` or `230`; a test checks it against the generated auth functions).

use auth_core::tl::Layer;

/// `<8 hex digits> <name> <layers>` per line.
const FUNCTIONS: &str = include_str!("../data/functions.txt");

/// The schema name of the function with this id, if `layer` has it.
pub(crate) fn name_at(id: u32, layer: Layer) -> Option<&'static str> {
    FUNCTIONS.lines().find_map(|line| {
        let mut words = line.split(' ');
        let (hex, name, layers) = (words.next()?, words.next()?, words.next()?);
        (u32::from_str_radix(hex, 16).ok()? == id && in_layers(layers, layer.schema()))
            .then_some(name)
    })
}

/// Whether `schema` is in a list of schema layers and ranges (`220-225,227`).
fn in_layers(list: &str, schema: i32) -> bool {
    list.split(',').any(|run| match run.split_once('-') {
        Some((a, b)) => matches!(
            (a.parse::<i32>(), b.parse::<i32>()),
            (Ok(a), Ok(b)) if (a..=b).contains(&schema)
        ),
        None => run.parse::<i32>() == Ok(schema),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::before_auth::{ALLOWED_BEFORE_AUTH, ALLOWED_WHILE_PASSWORD_PENDING};
    use auth_core::tl::{DEFINITION_LAYERS, DEFINITIONS, SUPPORTED_LAYERS};

    #[test]
    fn table_covers_generated_functions_and_allowed_lists_at_every_layer() {
        assert_eq!(FUNCTIONS.lines().count(), 877);
        for layer in SUPPORTED_LAYERS.map(|l| Layer::new(l).expect("supported")) {
            for (def, &layers) in DEFINITIONS.iter().zip(DEFINITION_LAYERS) {
                if def.is_function {
                    let here = layer.mask().has(layers);
                    assert_eq!(
                        name_at(def.id, layer),
                        here.then_some(def.name),
                        "{} at {layer}",
                        def.name
                    );
                }
            }
            for &(n, id) in ALLOWED_BEFORE_AUTH
                .iter()
                .chain(ALLOWED_WHILE_PASSWORD_PENDING)
            {
                // Layer 230's Firebase login methods exist from 230 on.
                let here = !n.to_ascii_lowercase().contains("firebasepnv") || layer.get() >= 230;
                assert_eq!(name_at(id, layer), here.then_some(n), "{n} at {layer}");
            }
        }
        let default = Layer::DEFAULT;
        assert_eq!(name_at(0, default), None);
        assert_eq!(
            name_at(0x1cb5_c415, default),
            None,
            "vector is a type, not a function"
        );
        assert!(in_layers("220-225,227", 227) && !in_layers("220-225,227", 226));
    }
}
