//! `lookout-dev-idp healthcheck`: asks the running provider's `/health` over
//! plain HTTP, so container images need no curl.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Long enough for a busy laptop, short enough for a Docker healthcheck interval.
const TIMEOUT: Duration = Duration::from_secs(3);

pub async fn probe(addr: SocketAddr) -> Result<(), String> {
    let addr = if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    };
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("{addr} did not answer within {TIMEOUT:?}"))?
        .map_err(|error| format!("{addr}: {error}"))?;
    if response.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!("{addr} answered /health with a non-200 status"))
    }
}
