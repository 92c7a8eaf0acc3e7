//! The names of all layer-228 API functions, so that the simulator can tell a real method it
//! does not simulate (`401` before login) from garbage (`400 INPUT_CONSTRUCTOR_INVALID`), and
//! log every call by name.
//!
//! `data/layer228-functions.txt` holds one `id name` line per function of the layer-228 schema
//! (extracted from `api-layer228.tl`; a test checks it against the generated auth functions).

/// `<8 hex digits> <name>` per line.
const FUNCTIONS: &str = include_str!("../data/layer228-functions.txt");

/// The schema name of the layer-228 function with this id.
pub(crate) fn name(id: u32) -> Option<&'static str> {
    FUNCTIONS.lines().find_map(|line| {
        let (hex, name) = line.split_once(' ')?;
        (u32::from_str_radix(hex, 16).ok()? == id).then_some(name)
    })
}

/// How many functions the table holds.
#[cfg(test)]
pub(crate) fn count() -> usize {
    FUNCTIONS.lines().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::before_auth::{ALLOWED_BEFORE_AUTH, ALLOWED_WHILE_PASSWORD_PENDING};
    use auth_core::tl::DEFINITIONS;

    #[test]
    fn table_covers_generated_functions_and_allowed_lists() {
        assert_eq!(count(), 807);
        let layer = auth_core::tl::Layer::new(228).expect("supported");
        for def in DEFINITIONS
            .iter()
            .filter(|d| d.is_function && layer.defines(d.id))
        {
            assert_eq!(name(def.id), Some(def.name), "{}", def.name);
        }
        for &(n, id) in ALLOWED_BEFORE_AUTH
            .iter()
            .chain(ALLOWED_WHILE_PASSWORD_PENDING)
        {
            assert_eq!(name(id), Some(n));
        }
        assert_eq!(name(0), None);
        assert_eq!(name(0x1cb5_c415), None, "vector is a type, not a function");
    }
}
