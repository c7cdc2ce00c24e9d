#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a failed test with its message.

use std::net::IpAddr;

use netguard::{ForbiddenReason, ForbiddenReason::*, Policy, classify};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn every_non_public_range_is_refused_with_its_reason() {
    let table: &[(&str, ForbiddenReason)] = &[
        ("0.0.0.0", Unspecified),
        ("0.1.2.3", Reserved),
        ("10.0.0.1", Private),
        ("10.255.255.255", Private),
        ("100.64.0.1", SharedAddressSpace),
        ("100.127.255.254", SharedAddressSpace),
        ("127.0.0.1", Loopback),
        ("127.255.255.254", Loopback),
        ("169.254.0.1", LinkLocal),
        ("172.16.0.1", Private),
        ("172.31.255.255", Private),
        ("192.0.0.8", Reserved),
        ("192.0.2.10", Documentation),
        ("192.88.99.1", Reserved),
        ("192.168.1.1", Private),
        ("198.18.0.1", Benchmarking),
        ("198.19.255.255", Benchmarking),
        ("198.51.100.7", Documentation),
        ("203.0.113.9", Documentation),
        ("224.0.0.1", Multicast),
        ("239.255.255.250", Multicast),
        ("240.0.0.1", Reserved),
        ("255.255.255.255", Broadcast),
        ("::", Unspecified),
        ("::1", Loopback),
        ("fe80::1", LinkLocal),
        ("febf::1", LinkLocal),
        ("fec0::1", Private),
        ("fc00::1", UniqueLocal),
        ("fd12:3456::1", UniqueLocal),
        ("ff02::1", Multicast),
        ("2001:db8::1", Documentation),
        ("3fff::1", Documentation),
        ("2001:2::1", Benchmarking),
        ("2001:10::1", Reserved),
        ("100::1", Reserved),
        ("64:ff9b:1::a00:1", Reserved),
        ("4000::1", Reserved),
    ];
    for (addr, reason) in table {
        assert_eq!(classify(ip(addr)), Err(*reason), "{addr}");
    }
}

#[test]
fn cloud_metadata_addresses_are_named_as_such() {
    for addr in [
        "169.254.169.254",
        "169.254.170.2",
        "100.100.100.200",
        "168.63.129.16",
        "192.0.0.192",
        "fd00:ec2::254",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
    ] {
        assert_eq!(classify(ip(addr)), Err(CloudMetadata), "{addr}");
    }
}

#[test]
fn ipv6_forms_embedding_ipv4_are_judged_by_the_embedded_address() {
    let table: &[(&str, ForbiddenReason)] = &[
        ("::ffff:127.0.0.1", Loopback),
        ("::ffff:7f00:1", Loopback),
        ("::ffff:10.0.0.1", Private),
        ("::ffff:0:192.168.0.1", Private),
        ("::127.0.0.1", Loopback),
        ("::10.0.0.1", Private),
        ("64:ff9b::127.0.0.1", Loopback),
        ("64:ff9b::c0a8:101", Private),
        ("2002:7f00:1::", Loopback),
        ("2002:a00:1::1", Private),
        // Teredo: server 65.54.227.120, client 127.0.0.1 (bits inverted).
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", Loopback),
        // Teredo whose server is private.
        ("2001:0:a00:1::1", Private),
    ];
    for (addr, reason) in table {
        assert_eq!(classify(ip(addr)), Err(*reason), "{addr}");
    }
}

#[test]
fn public_addresses_are_accepted() {
    for addr in [
        "1.1.1.1",
        "8.8.8.8",
        "93.184.216.34",
        "100.63.255.255",
        "100.128.0.1",
        "172.15.255.255",
        "172.32.0.1",
        "192.169.0.1",
        "198.20.0.1",
        "223.255.255.255",
        "2606:4700:4700::1111",
        "2a00:1450:4001::1",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ] {
        assert_eq!(classify(ip(addr)), Ok(()), "{addr}");
    }
}

#[test]
fn allow_list_opens_only_the_listed_networks() {
    let policy = Policy::from_allow_list("127.0.0.1/32, 172.18.0.0/16").unwrap();
    assert!(policy.check(ip("127.0.0.1")).is_ok());
    assert!(policy.check(ip("::ffff:127.0.0.1")).is_ok());
    assert!(policy.check(ip("172.18.3.4")).is_ok());
    assert!(policy.check(ip("127.0.0.2")).is_err());
    assert!(policy.check(ip("10.0.0.1")).is_err());
    assert!(policy.check(ip("::1")).is_err());
}

#[test]
fn allow_list_accepts_bare_addresses_and_rejects_garbage() {
    let policy = Policy::from_allow_list("10.0.0.5").unwrap();
    assert!(policy.check(ip("10.0.0.5")).is_ok());
    assert!(policy.check(ip("10.0.0.6")).is_err());
    let err = Policy::from_allow_list("127.0.0.1/32,localhost").unwrap_err();
    assert_eq!(err.entry, "localhost");
    assert!(
        Policy::from_allow_list("")
            .unwrap()
            .allowed_networks()
            .is_empty()
    );
}

#[test]
fn allow_list_never_opens_cloud_metadata() {
    let policy = Policy::from_allow_list("0.0.0.0/0, ::/0").unwrap();
    assert!(policy.check(ip("10.0.0.1")).is_ok());
    assert!(policy.check(ip("169.254.169.254")).is_err());
    assert!(policy.check(ip("fd00:ec2::254")).is_err());
    assert!(policy.check(ip("168.63.129.16")).is_err());
}

#[test]
fn refusal_messages_name_the_destination_and_the_reason() {
    let policy = Policy::strict();
    let cases = [
        ("10.0.0.1", "destination 10.0.0.1 is on a private network"),
        ("127.0.0.1", "destination 127.0.0.1 is a loopback address"),
        (
            "169.254.169.254",
            "destination 169.254.169.254 is a cloud metadata service",
        ),
    ];
    for (addr, message) in cases {
        assert_eq!(policy.check(ip(addr)).unwrap_err().to_string(), message);
    }
}
