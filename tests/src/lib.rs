//! End-to-end tests of airlock live in `tests/`; this library only exists so the package is a
//! normal workspace member. Shared helpers are in `tests/support/`.
