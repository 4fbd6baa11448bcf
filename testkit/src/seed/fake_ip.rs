//! Fake database addresses.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU32, Ordering};

/// A new 10.0.0.0/8 address, distinct from every other one this process handed out (10.0.0.1,
/// 10.0.0.2, ... skipping .0 and .255 host parts). Nothing ever connects to them: they are only
/// DNS answers and emulator data.
pub fn fake_ip() -> Ipv4Addr {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    nth_fake_ip(NEXT.fetch_add(1, Ordering::Relaxed))
}

fn nth_fake_ip(n: u32) -> Ipv4Addr {
    const HOSTS_PER_BLOCK: u32 = 254;
    let host = (n % HOSTS_PER_BLOCK + 1) as u8;
    let block = n / HOSTS_PER_BLOCK;
    // 256 * 256 blocks of 254 hosts: more than any test process needs; wraps rather than panics.
    let [_, _, second, third] = (block % (256 * 256)).to_be_bytes();
    Ipv4Addr::new(10, second, third, host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_private_and_skip_network_and_broadcast_hosts() {
        assert_eq!(nth_fake_ip(0), Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(nth_fake_ip(253), Ipv4Addr::new(10, 0, 0, 254));
        assert_eq!(nth_fake_ip(254), Ipv4Addr::new(10, 0, 1, 1));
        assert_eq!(nth_fake_ip(254 * 256), Ipv4Addr::new(10, 1, 0, 1));
    }

    #[test]
    fn consecutive_addresses_differ() {
        let ips: std::collections::HashSet<Ipv4Addr> = (0..2000).map(|_| fake_ip()).collect();
        assert_eq!(ips.len(), 2000);
    }
}
