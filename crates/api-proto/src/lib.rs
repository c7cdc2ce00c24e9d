//! Generated protobuf messages and tonic clients/servers for Lookout's
//! internal services.
//!
//! Architecture Invariant: these types stay at the edges. Services convert
//! them into their own domain types at the gRPC boundary.

/// The largest `browser.v1.FetchResponse` the browser service sends and its
/// callers accept (tonic's default of 4 MiB is less than a page may be). The
/// browser caps a response's text at its page size limit and its screenshot
/// separately, and refuses to start with limits that would not fit.
pub const BROWSER_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

pub mod browser {
    pub mod v1 {
        tonic::include_proto!("browser.v1");
    }
}

pub mod llm {
    pub mod v1 {
        tonic::include_proto!("llm.v1");
    }
}

pub mod notify {
    pub mod v1 {
        tonic::include_proto!("notify.v1");
    }
}
