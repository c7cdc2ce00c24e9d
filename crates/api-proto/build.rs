//! Compiles `proto/` with protox, a pure-Rust protobuf compiler, so that a
//! build needs no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = "../../proto";
    let files = [
        "browser/v1/browser.proto",
        "llm/v1/llm.proto",
        "notify/v1/notify.proto",
    ];
    let descriptors = protox::compile(files, [proto_root])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    println!("cargo:rerun-if-changed={proto_root}");
    Ok(())
}
