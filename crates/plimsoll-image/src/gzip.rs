//! gzip (RFC 1952) members one after another, inflated by zlib-rs through
//! flate2's raw deflate decoder. Written here instead of using flate2's
//! `MultiGzDecoder` for one reason: that decoder computes each member's
//! CRC-32, and a layer's uncompressed bytes are already verified by their
//! SHA-256 (the diff_id), a far stronger check — the CRC was 2.5 % of a
//! cold scan's CPU. The member's length (`ISIZE`) is still checked, so a
//! stream that lost sync fails here rather than later.

use std::io::{self, BufRead, BufReader, Read};

/// Longest file name or comment field accepted in a member header.
const MAX_HEADER_FIELD: usize = 64 * 1024;

const FTEXT: u8 = 1;
const FHCRC: u8 = 2;
const FEXTRA: u8 = 4;
const FNAME: u8 = 8;
const FCOMMENT: u8 = 16;

enum State {
    Header,
    Body,
    Done,
}

/// A reader of the concatenated members of a gzip stream.
pub(crate) struct GzipMembers<R: Read> {
    inflate: flate2::bufread::DeflateDecoder<BufReader<R>>,
    member_out: u64,
    state: State,
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("gzip: {msg}"))
}

/// Skips a zero-terminated header field.
fn skip_cstring<B: BufRead>(r: &mut B) -> io::Result<()> {
    let mut seen = 0usize;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "gzip: stream ends inside a member header",
            ));
        }
        if let Some(i) = buf.iter().position(|&b| b == 0) {
            r.consume(i + 1);
            return Ok(());
        }
        let n = buf.len();
        seen += n;
        r.consume(n);
        if seen > MAX_HEADER_FIELD {
            return Err(invalid("header name or comment longer than 64 KiB"));
        }
    }
}

fn read_header<B: BufRead>(r: &mut B) -> io::Result<()> {
    let mut fixed = [0u8; 10];
    r.read_exact(&mut fixed)?;
    if fixed[0] != 0x1f || fixed[1] != 0x8b {
        return Err(invalid("data after a member is not another gzip member"));
    }
    if fixed[2] != 8 {
        return Err(invalid("compression method is not deflate"));
    }
    let flags = fixed[3];
    if flags & !(FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT) != 0 {
        return Err(invalid("reserved header flags are set"));
    }
    if flags & FEXTRA != 0 {
        let mut len = [0u8; 2];
        r.read_exact(&mut len)?;
        let len = u64::from(u16::from_le_bytes(len));
        let skipped = io::copy(&mut r.by_ref().take(len), &mut io::sink())?;
        if skipped != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "gzip: stream ends inside a member's extra field",
            ));
        }
    }
    if flags & FNAME != 0 {
        skip_cstring(r)?;
    }
    if flags & FCOMMENT != 0 {
        skip_cstring(r)?;
    }
    if flags & FHCRC != 0 {
        let mut crc = [0u8; 2];
        r.read_exact(&mut crc)?;
    }
    Ok(())
}

impl<R: Read> GzipMembers<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inflate: flate2::bufread::DeflateDecoder::new(BufReader::with_capacity(
                64 * 1024,
                inner,
            )),
            member_out: 0,
            state: State::Header,
        }
    }

    /// The compressed reader (bytes it had buffered are dropped).
    pub(crate) fn into_inner(self) -> R {
        self.inflate.into_inner().into_inner()
    }
}

impl<R: Read> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.state {
                State::Done => return Ok(0),
                State::Header => {
                    read_header(self.inflate.get_mut())?;
                    self.inflate.reset_data();
                    self.member_out = 0;
                    self.state = State::Body;
                }
                State::Body => {
                    let n = self.inflate.read(buf)?;
                    if n > 0 {
                        self.member_out += n as u64;
                        return Ok(n);
                    }
                    // The deflate stream ended, or its input did: the
                    // trailer tells which.
                    let mut trailer = [0u8; 8];
                    self.inflate.get_mut().read_exact(&mut trailer)?;
                    let isize =
                        u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
                    // ISIZE is the length modulo 2^32.
                    if u64::from(isize) != self.member_out & 0xffff_ffff {
                        return Err(invalid(&format!(
                            "member length {} does not match its trailer ({isize})",
                            self.member_out
                        )));
                    }
                    self.state = if self.inflate.get_mut().fill_buf()?.is_empty() {
                        State::Done
                    } else {
                        State::Header
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn unzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        GzipMembers::new(bytes).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn members_are_concatenated() {
        let mut two = gz(b"hello ");
        two.extend(gz(b"world"));
        assert_eq!(unzip(&two).unwrap(), b"hello world");
        assert_eq!(unzip(&gz(b"")).unwrap(), b"");
        let big: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
        assert_eq!(unzip(&gz(&big)).unwrap(), big);
    }

    #[test]
    fn header_fields_are_skipped() {
        let mut e = flate2::GzBuilder::new()
            .filename("layer.tar")
            .comment("a comment")
            .extra(vec![1, 2, 3, 4])
            .write(Vec::new(), flate2::Compression::default());
        e.write_all(b"payload").unwrap();
        let bytes = e.finish().unwrap();
        assert_eq!(unzip(&bytes).unwrap(), b"payload");
    }

    #[test]
    fn truncation_garbage_and_wrong_length_are_errors() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i * 7).to_le_bytes())
            .collect();
        let good = gz(&data);
        for cut in [1, 5, 10, 20, good.len() / 2, good.len() - 8, good.len() - 1] {
            let e = unzip(&good[..cut]).unwrap_err();
            assert!(
                matches!(
                    e.kind(),
                    io::ErrorKind::UnexpectedEof
                        | io::ErrorKind::InvalidData
                        | io::ErrorKind::InvalidInput
                ),
                "cut at {cut}: {e}"
            );
        }
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"\0\0\0\0");
        assert!(unzip(&trailing).is_err());
        let mut wrong = good.clone();
        let n = wrong.len();
        wrong[n - 1] ^= 1; // ISIZE
        assert!(unzip(&wrong).unwrap_err().to_string().contains("length"));
        let mut flags = good;
        flags[3] = 0x80;
        assert!(unzip(&flags).is_err());
        assert!(unzip(b"\x1f\x8b\x08\x08\0\0\0\0\0\0name-without-end").is_err());
    }
}
