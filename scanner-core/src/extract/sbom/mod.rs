//! SBOMs as input: CycloneDX and SPDX documents become components and edges.

pub mod properties;
