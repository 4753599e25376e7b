//! Which socket listens on a TCP port: its inode, asked of the kernel's
//! sock_diag interface for listening sockets only, or read from
//! `/proc/net/tcp{,6}` where that interface is not there.
//!
//! The `/proc` tables list every socket, `TIME_WAIT` ones included: after a
//! load scenario that is tens of thousands of lines, and each read costs tens
//! of milliseconds of kernel time; sock_diag filters by state in the kernel.

/// The inode of the socket listening on `port`: `None` when the system does
/// not say, `Some(None)` when nothing listens.
pub fn inode(port: u16) -> Option<Option<u64>> {
    #[cfg(target_os = "linux")]
    if let Some(found) = sock_diag::listening(port) {
        return Some(found);
    }
    from_proc(port)
}

/// From `/proc/net/tcp{,6}`.
fn from_proc(port: u16) -> Option<Option<u64>> {
    let mut seen_table = false;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else { continue };
        seen_table = true;
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) = (fields.get(1), fields.get(3), fields.get(9)) else {
                continue;
            };
            let listening = *state == "0A";
            let on_port = local.rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok()) == Some(port);
            if listening && on_port {
                return Some(inode.parse().ok());
            }
        }
    }
    seen_table.then_some(None)
}

#[cfg(target_os = "linux")]
mod sock_diag {
    use netlink_packet_core::{NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload};
    use netlink_packet_sock_diag::SockDiagMessage;
    use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP};
    use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags};
    use netlink_sys::protocols::NETLINK_SOCK_DIAG;
    use netlink_sys::{Socket, SocketAddr};

    /// The listening TCP socket on `port`, IPv4 then IPv6; `None` if the
    /// kernel could not be asked.
    pub fn listening(port: u16) -> Option<Option<u64>> {
        for family in [AF_INET, AF_INET6] {
            if let Some(inode) = dump(family, port)? {
                return Some(Some(inode));
            }
        }
        Some(None)
    }

    /// Dumps the listening sockets of `family`; the inode of the one on `port`.
    fn dump(family: u8, port: u16) -> Option<Option<u64>> {
        let mut socket = Socket::new(NETLINK_SOCK_DIAG).ok()?;
        socket.bind_auto().ok()?;
        socket.connect(&SocketAddr::new(0, 0)).ok()?;
        let socket_id = if family == AF_INET { SocketId::new_v4() } else { SocketId::new_v6() };
        let request = InetRequest {
            family,
            protocol: IPPROTO_TCP,
            extensions: ExtensionFlags::empty(),
            states: StateFlags::LISTEN,
            socket_id,
        };
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        let mut packet = NetlinkMessage::new(header, SockDiagMessage::InetRequest(request).into());
        packet.finalize();
        let mut out = vec![0; packet.buffer_len()];
        packet.serialize(&mut out);
        socket.send(&out, 0).ok()?;
        let mut found = None;
        let mut buffer = Vec::with_capacity(1 << 16);
        loop {
            buffer.clear();
            let size = socket.recv(&mut buffer, 0).ok()?;
            let mut offset = 0;
            while offset < size {
                let message = NetlinkMessage::<SockDiagMessage>::deserialize(&buffer[offset..size]).ok()?;
                let length = message.header.length as usize;
                match message.payload {
                    NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(response))
                        if response.header.socket_id.source_port == port =>
                    {
                        found = Some(u64::from(response.header.inode));
                    }
                    NetlinkPayload::Done(_) => return Some(found),
                    NetlinkPayload::Error(_) => return None,
                    _ => {}
                }
                if length == 0 {
                    return None;
                }
                offset += length;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ways_find_a_listener_and_agree() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let Some(found) = from_proc(port) else {
            return; // no /proc here
        };
        assert!(found.is_some(), "/proc/net/tcp lists the listener on {port}");
        assert_eq!(inode(port), Some(found));
        drop(listener);
        assert_eq!(inode(port), Some(None));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn sock_diag_answers_on_linux() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(matches!(sock_diag::listening(port), Some(Some(_))));
    }
}
