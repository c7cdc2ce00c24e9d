//! Which addresses a user-supplied URL may never reach.
//!
//! The approach is a deny-list for IPv4 (the public space is fragmented) and an
//! allow-list for IPv6: only global unicast `2000::/3` is acceptable, apart from
//! the translation prefixes that embed an IPv4 address, which are judged by that
//! embedded address so `::ffff:127.0.0.1` is refused exactly like `127.0.0.1`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not a legitimate destination. The `Display` text completes
/// the sentence "destination X ...".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForbiddenReason {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918 ranges and the deprecated IPv6 site-local fec0::/10.
    Private,
    /// 169.254.0.0/16, fe80::/10.
    LinkLocal,
    /// fc00::/7.
    UniqueLocal,
    /// 100.64.0.0/10 (RFC 6598 carrier-grade NAT).
    SharedAddressSpace,
    /// 224.0.0.0/4, ff00::/8.
    Multicast,
    /// 0.0.0.0, ::.
    Unspecified,
    /// 255.255.255.255.
    Broadcast,
    /// 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20.
    Documentation,
    /// 198.18.0.0/15, 2001:2::/48.
    Benchmarking,
    /// Everything else that is not globally routable unicast: 0.0.0.0/8,
    /// 192.0.0.0/24, 240.0.0.0/4, IPv6 outside 2000::/3, local-use NAT64, ...
    Reserved,
    /// Instance metadata services of cloud providers, which hand out credentials.
    CloudMetadata,
}

impl ForbiddenReason {
    /// Metadata endpoints stay refused even when an allow-list covers them:
    /// no development setup needs the credentials they serve.
    pub fn can_be_allow_listed(self) -> bool {
        self != ForbiddenReason::CloudMetadata
    }
}

impl fmt::Display for ForbiddenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ForbiddenReason::Loopback => "is a loopback address",
            ForbiddenReason::Private => "is on a private network",
            ForbiddenReason::LinkLocal => "is a link-local address",
            ForbiddenReason::UniqueLocal => "is on a private (unique local) network",
            ForbiddenReason::SharedAddressSpace => "is on a carrier-grade NAT network",
            ForbiddenReason::Multicast => "is a multicast address",
            ForbiddenReason::Unspecified => "is the unspecified address",
            ForbiddenReason::Broadcast => "is the broadcast address",
            ForbiddenReason::Documentation => "is reserved for documentation",
            ForbiddenReason::Benchmarking => "is reserved for benchmarking",
            ForbiddenReason::Reserved => "is in a reserved address range",
            ForbiddenReason::CloudMetadata => "is a cloud metadata service",
        })
    }
}

/// Known instance metadata endpoints. Most live in ranges refused anyway; they
/// are listed so the message names the real danger, and because two of them
/// (Azure's wire server, Alibaba's) sit in ranges an allow-list might open.
const METADATA_V4: [Ipv4Addr; 6] = [
    // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle, ...
    Ipv4Addr::new(169, 254, 169, 254),
    // AWS ECS task metadata.
    Ipv4Addr::new(169, 254, 170, 2),
    // AWS Time Sync and DNS, reachable only from inside an instance.
    Ipv4Addr::new(169, 254, 169, 123),
    // Alibaba Cloud.
    Ipv4Addr::new(100, 100, 100, 200),
    // Azure wire server: a public address that is only reachable from a VM.
    Ipv4Addr::new(168, 63, 129, 16),
    // Oracle Cloud Classic.
    Ipv4Addr::new(192, 0, 0, 192),
];

const METADATA_V6: [Ipv6Addr; 2] = [
    // AWS IMDS over IPv6 and the AWS Time Sync service.
    Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254),
    Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0123),
];

/// `Ok(())` when `ip` may be a destination, otherwise why not.
pub fn classify(ip: IpAddr) -> Result<(), ForbiddenReason> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// The IPv4 address an IPv6 address stands for, when it uses one of the
/// translation or tunnelling formats. Teredo embeds two (server and client).
pub fn embedded_ipv4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = ip.segments();
    let last32 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (SIIT translated).
    if s[..5] == [0, 0, 0, 0, 0] && s[5] == 0xffff
        || s[..4] == [0, 0, 0, 0] && s[4] == 0xffff && s[5] == 0
    {
        return vec![last32];
    }
    // ::a.b.c.d (deprecated IPv4-compatible); :: and ::1 are not IPv4.
    if s[..6] == [0, 0, 0, 0, 0, 0] && u32::from(last32) > 1 {
        return vec![last32];
    }
    // 64:ff9b::/96 (RFC 6052 well-known NAT64 prefix).
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return vec![last32];
    }
    // 2002:AABB:CCDD::/48 (6to4).
    if s[0] == 0x2002 {
        return vec![Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        )];
    }
    // 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC (Teredo), client address obfuscated.
    if s[0] == 0x2001 && s[1] == 0 {
        let server = Ipv4Addr::new((s[2] >> 8) as u8, s[2] as u8, (s[3] >> 8) as u8, s[3] as u8);
        let client = Ipv4Addr::from(!u32::from(last32));
        return vec![server, client];
    }
    Vec::new()
}

fn classify_v4(ip: Ipv4Addr) -> Result<(), ForbiddenReason> {
    use ForbiddenReason::*;
    if METADATA_V4.contains(&ip) {
        return Err(CloudMetadata);
    }
    let [a, b, c, _] = ip.octets();
    let reason = match (a, b, c) {
        _ if ip.is_unspecified() => Unspecified,
        _ if ip.is_broadcast() => Broadcast,
        (0, _, _) => Reserved,
        (10, _, _) => Private,
        (100, 64..=127, _) => SharedAddressSpace,
        (127, _, _) => Loopback,
        (169, 254, _) => LinkLocal,
        (172, 16..=31, _) => Private,
        (192, 0, 0) => Reserved,
        (192, 0, 2) => Documentation,
        // 6to4 relay anycast, deprecated by RFC 7526.
        (192, 88, 99) => Reserved,
        (192, 168, _) => Private,
        (198, 18..=19, _) => Benchmarking,
        (198, 51, 100) => Documentation,
        (203, 0, 113) => Documentation,
        (224..=239, _, _) => Multicast,
        (240..=255, _, _) => Reserved,
        _ => return Ok(()),
    };
    Err(reason)
}

fn classify_v6(ip: Ipv6Addr) -> Result<(), ForbiddenReason> {
    use ForbiddenReason::*;
    if METADATA_V6.contains(&ip) {
        return Err(CloudMetadata);
    }
    if ip.is_unspecified() {
        return Err(Unspecified);
    }
    if ip.is_loopback() {
        return Err(Loopback);
    }
    let embedded = embedded_ipv4(ip);
    if !embedded.is_empty() {
        for v4 in embedded {
            classify_v4(v4)?;
        }
        return Ok(());
    }
    let s = ip.segments();
    let reason = match s[0] {
        0xff00..=0xffff => Multicast,
        0xfe80..=0xfebf => LinkLocal,
        0xfec0..=0xfeff => Private,
        0xfc00..=0xfdff => UniqueLocal,
        // Local-use NAT64 (RFC 8215) translates into whatever the operator's
        // network holds, so the embedded address proves nothing.
        0x0064 if s[1] == 0xff9b && s[2] == 0x0001 => Reserved,
        0x2001 if s[1] == 0x0db8 => Documentation,
        0x2001 if s[1] == 0x0002 && s[2] == 0 => Benchmarking,
        // The rest of 2001::/23 is IETF protocol assignments, none of them web servers.
        0x2001 if s[1] < 0x0200 => Reserved,
        0x3fff if s[1] < 0x1000 => Documentation,
        0x2000..=0x3fff => return Ok(()),
        _ => Reserved,
    };
    Err(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_mapped_address_yields_the_embedded_ipv4() {
        let ip: Ipv6Addr = "::ffff:10.1.2.3".parse().unwrap();
        assert_eq!(embedded_ipv4(ip), vec![Ipv4Addr::new(10, 1, 2, 3)]);
    }

    #[test]
    fn teredo_address_yields_server_and_deobfuscated_client() {
        // Client 127.0.0.1 obfuscated is 80ff:fffe.
        let ip: Ipv6Addr = "2001:0:4136:e378:8000:63bf:80ff:fffe".parse().unwrap();
        assert_eq!(
            embedded_ipv4(ip),
            vec![Ipv4Addr::new(65, 54, 227, 120), Ipv4Addr::new(127, 0, 0, 1)]
        );
    }
}
