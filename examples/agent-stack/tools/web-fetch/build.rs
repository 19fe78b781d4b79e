// Record whether the compiler is a nightly, the way many crates gate optional features.
fn main() {
    if version_check::is_feature_flaggable() == Some(true) {
        println!("cargo:rustc-cfg=web_fetch_nightly");
    }
    println!("cargo::rustc-check-cfg=cfg(web_fetch_nightly)");
}
