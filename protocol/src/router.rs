//! The VerifierRouter's route kinds and the VKA words it pins.

/// How a route verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
#[repr(u8)]
pub enum RouteKind {
    /// EZKL's reusable verifier; the VKA stored as a data contract's code.
    ReusableStored = 1,
    /// EZKL's reusable verifier; the VKA passed with each verification.
    ReusableCalldata = 2,
    /// A plain per-model verifier (its key in its code).
    Plain = 3,
}

impl RouteKind {
    /// The kind of a stored code, `None` for anything else.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::ReusableStored),
            2 => Some(Self::ReusableCalldata),
            3 => Some(Self::Plain),
            _ => None,
        }
    }

    /// Its code on chain.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Whether it verifies with EZKL's reusable verifier (and so carries a VKA).
    pub const fn is_reusable(self) -> bool {
        matches!(self, Self::ReusableStored | Self::ReusableCalldata)
    }

    /// A short human description.
    pub const fn describe(self) -> &'static str {
        match self {
            Self::ReusableStored => "reusable verifier, stored VKA",
            Self::ReusableCalldata => "reusable verifier, calldata VKA",
            Self::Plain => "plain verifier",
        }
    }
}

/// Route kind code: reusable verifier, VKA stored as a data contract's code.
pub const KIND_REUSABLE_STORED: u8 = RouteKind::ReusableStored.code();
/// Route kind code: reusable verifier, VKA passed with each verification.
pub const KIND_REUSABLE_CALLDATA: u8 = RouteKind::ReusableCalldata.code();
/// Route kind code: plain per-model verifier (key in its code).
pub const KIND_PLAIN: u8 = RouteKind::Plain.code();

/// The VKA words an EZKL 23 reusable verifier reads the pairing's G2 points
/// from (the G2 generator, then the SRS's `[τ]G2`). The router pins them, so
/// a VKA made with an SRS whose trapdoor the model owner knows is refused.
pub const SRS_WORDS: core::ops::Range<usize> = 16..24;

/// The G2 words of the SRS a VKA (as 32-byte words) was made with, or `None`
/// for a VKA too short to hold them.
pub fn vka_srs_words<W: Copy>(vka: &[W]) -> Option<[W; 8]> {
    vka.get(SRS_WORDS)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_their_codes() {
        for kind in [
            RouteKind::ReusableStored,
            RouteKind::ReusableCalldata,
            RouteKind::Plain,
        ] {
            assert_eq!(RouteKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(RouteKind::from_code(0), None);
        assert_eq!(RouteKind::from_code(4), None);
        assert_eq!(vka_srs_words(&[0u8; 23]), None);
        assert_eq!(vka_srs_words(&[7u8; 24]), Some([7u8; 8]));
    }
}
