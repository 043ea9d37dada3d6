//! Who is asking, as far as the network tells: the client's address (from
//! the socket, or from `X-Forwarded-For` when the socket is a trusted proxy),
//! and its hash. The raw address is never stored: `ip_hash` is an HMAC of it
//! with a salt that changes every day (UTC), so addresses can be counted
//! within a day but not followed across days or reversed.

use std::net::IpAddr;

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use ipnet::IpNet;
use sha2::Sha256;

/// The client's address: the socket's peer, unless that peer is a trusted
/// proxy, in which case the right-most address of `X-Forwarded-For` that is
/// not itself a trusted proxy.
#[must_use]
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut chain: Vec<IpAddr> = Vec::new();
    for part in header.split(',') {
        match part.trim().parse::<IpAddr>() {
            Ok(ip) => chain.push(ip),
            // A malformed hop: nothing to its left can be believed.
            Err(_) => chain.clear(),
        }
    }
    chain
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

/// Parses the configured proxy ranges (`10.0.0.0/8`, or a single address).
///
/// # Errors
/// Names the first entry that is neither.
pub fn parse_trusted(entries: &[String]) -> anyhow::Result<Vec<IpNet>> {
    entries
        .iter()
        .map(|e| {
            e.parse::<IpNet>()
                .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| anyhow::anyhow!("trusted_proxies: {e:?} is not a CIDR or an address"))
        })
        .collect()
}

/// `HMAC(key, day || address)`, hex: stable within a UTC day, unlinkable
/// across days.
#[must_use]
pub fn ip_hash(key: &[u8], day: NaiveDate, ip: IpAddr) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(day.to_string().as_bytes());
    mac.update(b"|");
    mac.update(ip.to_string().as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = parse_trusted(&["10.0.0.0/8".into(), "192.168.1.1".into()]).expect("cidrs");
        let xff = Some("203.0.113.7, 10.1.2.3");
        assert_eq!(
            client_ip(ip("198.51.100.9"), xff, &trusted),
            ip("198.51.100.9")
        );
        assert_eq!(client_ip(ip("10.0.0.5"), xff, &trusted), ip("203.0.113.7"));
        assert_eq!(
            client_ip(ip("192.168.1.1"), None, &trusted),
            ip("192.168.1.1")
        );
        // A client that forges a header in front of the proxy's own entry
        // gets its own address, the right-most untrusted one.
        let forged = Some("1.2.3.4, 203.0.113.7");
        assert_eq!(
            client_ip(ip("10.0.0.5"), forged, &trusted),
            ip("203.0.113.7")
        );
        assert!(parse_trusted(&["not an address".into()]).is_err());
    }

    #[test]
    fn ip_hashes_change_with_the_day_and_hide_the_address() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        let next = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let a = ip_hash(b"k", day, ip("203.0.113.7"));
        assert_eq!(a, ip_hash(b"k", day, ip("203.0.113.7")));
        assert_ne!(a, ip_hash(b"k", next, ip("203.0.113.7")));
        assert_ne!(a, ip_hash(b"k", day, ip("203.0.113.8")));
        assert!(!a.contains("203"));
        assert_eq!(a.len(), 32);
    }
}
