//! Free loopback ports.

use std::collections::HashSet;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Mutex;

/// A port that was free a moment ago. Only for child processes that must be
/// told a port; in-process servers bind port 0 and read the real port.
///
/// Chosen below the kernel's ephemeral range: a port from that range (what
/// binding port 0 gives) can be taken as the local end of some outgoing
/// connection before the child binds it. Each port is handed out once per
/// test process, since parallel tests ask at the same time.
pub fn free_port() -> u16 {
    static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    let (low, high) = below_ephemeral_range();
    let span = u32::from(high - low);
    let mut candidate = uuid::Uuid::new_v4().as_u128() as u32 % span;
    let mut handed_out = HANDED_OUT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let handed_out = handed_out.get_or_insert_with(HashSet::new);
    for _ in 0..span {
        candidate = (candidate + 1) % span;
        let port = low + candidate as u16;
        if !handed_out.contains(&port) && TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            handed_out.insert(port);
            return port;
        }
    }
    panic!("no free loopback port between {low} and {high}");
}

/// Up to 12,000 ports just below the ephemeral range (scripts/lib.sh picks
/// from the same place).
fn below_ephemeral_range() -> (u16, u16) {
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    (
        ephemeral_start.saturating_sub(12_000).max(1024),
        ephemeral_start,
    )
}

/// Waits until something accepts connections on `port`.
pub async fn wait_for_port(port: u16, timeout: std::time::Duration) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}
