//! Generated protobuf messages and tonic clients/servers for Lookout's
//! internal services.
//!
//! Architecture Invariant: these types stay at the edges. Services convert
//! them into their own domain types at the gRPC boundary.

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
