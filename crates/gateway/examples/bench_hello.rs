//! The benchmark's baseline (`scripts/bench.sh`): a bare axum "hello" on
//! the same runtime and HTTP stack as the gateway, with none of its layers.
//! Listens on `HELLO_ADDR` (default 127.0.0.1:0) and prints the port.

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("HELLO_ADDR").unwrap_or_else(|_| "127.0.0.1:0".to_owned());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("{}", listener.local_addr()?.port());
    let router = Router::new().route("/", get(|| async { "hello" }));
    axum::serve(listener, router).await
}
