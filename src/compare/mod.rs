//! Comparisons that judge dctwin's results against another's: today EnergyPlus on the
//! validation cases ([`energyplus`], `dctwin validate`).

pub mod energyplus;
