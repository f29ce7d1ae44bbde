//! Builds tar streams byte by byte, hostile ones included (the `tar`
//! crate's builder refuses `..` and absolute names).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

/// Writes the checksum of a 512-byte header (after changing its fields).
pub fn set_checksum(h: &mut [u8]) {
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h[..512].iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

#[derive(Default)]
pub struct TarBuf(pub Vec<u8>);

impl TarBuf {
    pub fn header(&mut self, name: &[u8], typ: u8, size: u64, link: &[u8], mode: u32) {
        let mut h = [0u8; 512];
        let n = name.len().min(100);
        h[..n].copy_from_slice(&name[..n]);
        h[100..108].copy_from_slice(format!("{mode:07o}\0").as_bytes());
        h[108..116].copy_from_slice(b"0001750\0");
        h[116..124].copy_from_slice(b"0001750\0");
        if size < 0o77777777777 {
            h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
        } else {
            // GNU base-256
            h[124] = 0x80;
            h[128..136].copy_from_slice(&size.to_be_bytes());
        }
        h[136..148].copy_from_slice(b"14000000000\0");
        h[156] = typ;
        let l = link.len().min(100);
        h[157..157 + l].copy_from_slice(&link[..l]);
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        set_checksum(&mut h);
        self.0.extend_from_slice(&h);
    }

    pub fn data(&mut self, d: &[u8]) {
        self.0.extend_from_slice(d);
        let pad = (512 - d.len() % 512) % 512;
        self.0.extend(std::iter::repeat_n(0u8, pad));
    }

    pub fn file(&mut self, name: &[u8], d: &[u8]) -> &mut Self {
        self.header(name, b'0', d.len() as u64, b"", 0o644);
        self.data(d);
        self
    }

    pub fn file_mode(&mut self, name: &[u8], d: &[u8], mode: u32) -> &mut Self {
        self.header(name, b'0', d.len() as u64, b"", mode);
        self.data(d);
        self
    }

    pub fn dir(&mut self, name: &[u8]) -> &mut Self {
        self.header(name, b'5', 0, b"", 0o755);
        self
    }

    pub fn symlink(&mut self, name: &[u8], target: &[u8]) -> &mut Self {
        self.header(name, b'2', 0, target, 0o777);
        self
    }

    pub fn hardlink(&mut self, name: &[u8], target: &[u8]) -> &mut Self {
        self.header(name, b'1', 0, target, 0o644);
        self
    }

    pub fn long_name(&mut self, name: &[u8]) -> &mut Self {
        let mut d = name.to_vec();
        d.push(0);
        self.header(b"././@LongLink", b'L', d.len() as u64, b"", 0o644);
        self.data(&d);
        self
    }

    pub fn pax(&mut self, records: &[(&str, &[u8])]) -> &mut Self {
        let mut d = Vec::new();
        for (k, v) in records {
            let body_len = k.len() + v.len() + 3; // ' ' '=' '\n'
            let mut len = body_len + 1;
            while format!("{len}").len() + body_len != len {
                len = format!("{len}").len() + body_len;
            }
            d.extend_from_slice(format!("{len} {k}=").as_bytes());
            d.extend_from_slice(v);
            d.push(b'\n');
        }
        self.header(b"PaxHeaders/x", b'x', d.len() as u64, b"", 0o644);
        self.data(&d);
        self
    }

    pub fn finish(&mut self) -> Vec<u8> {
        let mut v = std::mem::take(&mut self.0);
        v.extend(std::iter::repeat_n(0u8, 1024));
        v
    }
}

pub fn gzip(d: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(d).unwrap();
    e.finish().unwrap()
}

pub fn zstd(d: &[u8]) -> Vec<u8> {
    zstd::encode_all(d, 1).unwrap()
}
