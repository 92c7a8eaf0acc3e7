//! The API layers the generated types decode, and naming one of them.

use std::ops::RangeInclusive;

use super::generated::{DEFINITION_LAYERS, DEFINITIONS, SCHEMA_LAYERS};

/// The layer this crate's own sessions declare, and the default of every machine's
/// configuration.
pub const LAYER: i32 = 228;

/// Every layer the machines accept: from the oldest schema the types were generated from to
/// the newest. A layer without a schema of its own (226, 229) decodes with the nearest lower
/// one's.
pub const SUPPORTED_LAYERS: RangeInclusive<i32> =
    RangeInclusive::new(SCHEMA_LAYERS[0], SCHEMA_LAYERS[SCHEMA_LAYERS.len() - 1]);

/// An API layer in [`SUPPORTED_LAYERS`]: the one a session declared with `invokeWithLayer`,
/// which the server answers in.
///
/// ```
/// use auth_core::tl::{Layer, SUPPORTED_LAYERS};
/// assert_eq!(Layer::new(226)?.schema(), 225); // no schema of its own: 225's
/// assert_eq!(Layer::default().get(), auth_core::LAYER);
/// let refused = Layer::new(219).unwrap_err();
/// assert_eq!(refused.supported(), SUPPORTED_LAYERS);
/// # Ok::<(), auth_core::tl::UnsupportedLayer>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Layer(i32);

impl Layer {
    /// [`LAYER`].
    pub const DEFAULT: Layer = Layer(LAYER);

    /// `layer`, if it is supported.
    ///
    /// # Errors
    ///
    /// [`UnsupportedLayer`], naming the supported range.
    pub const fn new(layer: i32) -> Result<Layer, UnsupportedLayer> {
        if layer >= *SUPPORTED_LAYERS.start() && layer <= *SUPPORTED_LAYERS.end() {
            Ok(Layer(layer))
        } else {
            Err(UnsupportedLayer { layer })
        }
    }

    /// The layer's number.
    pub const fn get(self) -> i32 {
        self.0
    }

    /// The schema this layer decodes with: its own, or the nearest lower one.
    pub fn schema(self) -> i32 {
        SCHEMA_LAYERS[self.schema_index()]
    }

    fn schema_index(self) -> usize {
        SCHEMA_LAYERS
            .iter()
            .rposition(|&l| l <= self.0)
            .unwrap_or_default()
    }

    /// The layer as the bit set the generated decoders take.
    #[doc(hidden)]
    pub fn mask(self) -> LayerMask {
        LayerMask(1 << self.schema_index())
    }

    /// Whether the constructor or function with this id exists at this layer (among the
    /// generated definitions).
    pub fn defines(self, id: u32) -> bool {
        let mask = self.mask();
        DEFINITIONS
            .iter()
            .zip(DEFINITION_LAYERS)
            .any(|(d, &layers)| d.id == id && mask.has(layers))
    }
}

impl Default for Layer {
    fn default() -> Self {
        Layer::DEFAULT
    }
}

impl TryFrom<i32> for Layer {
    type Error = UnsupportedLayer;

    fn try_from(layer: i32) -> Result<Self, UnsupportedLayer> {
        Layer::new(layer)
    }
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "layer {}", self.0)
    }
}

/// A layer outside [`SUPPORTED_LAYERS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("layer {layer} is not supported (supported: {}..={})", SUPPORTED_LAYERS.start(), SUPPORTED_LAYERS.end())]
pub struct UnsupportedLayer {
    /// The layer asked for.
    pub layer: i32,
}

impl UnsupportedLayer {
    /// The layers that are supported.
    pub fn supported(&self) -> RangeInclusive<i32> {
        SUPPORTED_LAYERS
    }
}

/// A set of schema layers, bit `i` standing for `SCHEMA_LAYERS[i]`: what the generated
/// decoders check each constructor against.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerMask(pub u16);

impl LayerMask {
    /// Every layer: a decoder accepts every layout it knows.
    pub const ALL: LayerMask = LayerMask(u16::MAX);

    /// Whether one of `bits` is in the set.
    pub const fn has(self, bits: u16) -> bool {
        self.0 & bits != 0
    }
}
