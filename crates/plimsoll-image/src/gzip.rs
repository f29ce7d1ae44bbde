//! gzip (RFC 1952) members one after another, each a raw deflate stream
//! inflated by ISA-L (when the build found it, see `build.rs`) or zlib-rs.
//!
//! Written here instead of using flate2's `MultiGzDecoder` because that
//! decoder computes each member's CRC-32, and a layer's uncompressed bytes
//! are already verified by their SHA-256 (the diff_id), a far stronger check
//! (the CRC was 2.5 % of a cold scan's CPU); and because it cannot drive
//! ISA-L, which inflates about 15 % faster. The member's length (`ISIZE`)
//! is still checked, so a stream that lost sync fails here rather than
//! later.

use std::io::{self, BufRead, Read};
use std::sync::OnceLock;

/// Longest file name or comment field accepted in a member header.
const MAX_HEADER_FIELD: usize = 64 * 1024;

const FTEXT: u8 = 1;
const FHCRC: u8 = 2;
const FEXTRA: u8 = 4;
const FNAME: u8 = 8;
const FCOMMENT: u8 = 16;

/// Compressed bytes read from the source at a time.
const INPUT_BUF: usize = 64 * 1024;

/// Consumed bytes kept in front of the unread ones, so that an inflater
/// that read past the end of a deflate stream can give them back (ISA-L
/// takes up to 8).
const HISTORY: usize = 8;

enum State {
    Header,
    Body,
    Trailer,
    Done,
}

/// The raw deflate decoders Plimsoll can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    /// zlib-rs (always built).
    ZlibRs,
    /// Intel's ISA-L (igzip), when the build found the library.
    #[cfg(plimsoll_isal)]
    Isal,
}

impl Backend {
    /// The fastest decoder in this build, unless `PLIMSOLL_INFLATE=zlib-rs`
    /// asks for zlib-rs (to compare them, or to work around a fault).
    pub(crate) fn default_for_build() -> Backend {
        static CHOICE: OnceLock<Backend> = OnceLock::new();
        *CHOICE.get_or_init(|| {
            if std::env::var("PLIMSOLL_INFLATE").is_ok_and(|v| v == "zlib-rs") {
                return Backend::ZlibRs;
            }
            #[cfg(plimsoll_isal)]
            return Backend::Isal;
            #[cfg(not(plimsoll_isal))]
            Backend::ZlibRs
        })
    }

    /// Every decoder in this build.
    pub(crate) fn all() -> Vec<Backend> {
        vec![
            Backend::ZlibRs,
            #[cfg(plimsoll_isal)]
            Backend::Isal,
        ]
    }

    /// The decoder's name and version.
    pub(crate) fn describe(self) -> String {
        match self {
            Backend::ZlibRs => "zlib-rs".to_owned(),
            #[cfg(plimsoll_isal)]
            Backend::Isal => format!("isa-l {}", env!("PLIMSOLL_ISAL_VERSION")),
        }
    }
}

/// The gzip decoder a scan uses (name and version), for `--version`.
pub fn inflater() -> String {
    Backend::default_for_build().describe()
}

/// Inflates what `source()` gives, as gzip members, with every decoder of
/// the build (up to `limit` bytes of output each); panics if two decoders
/// that both accept it give different bytes. (They may differ in
/// strictness, e.g. on incomplete Huffman codes: the diff_id check catches
/// any stream that does not give the layer.) For the property tests and the
/// `gzip` fuzz target.
pub(crate) fn backends_agree<R: Read>(source: impl Fn() -> R, limit: u64) {
    let mut accepted: Option<Vec<u8>> = None;
    for backend in Backend::all() {
        let Ok(reader) = GzipMembers::with_backend(source(), backend) else {
            continue;
        };
        let mut out = Vec::new();
        if reader.take(limit).read_to_end(&mut out).is_err() {
            continue;
        }
        match &accepted {
            Some(first) => assert!(*first == out, "{backend:?} inflates differently"),
            None => accepted = Some(out),
        }
    }
}

/// What one call of an inflater did.
struct Step {
    consumed: usize,
    produced: usize,
    /// The deflate stream's final block is done and written out.
    finished: bool,
    /// Bytes consumed (in this or an earlier call) that follow the stream.
    unread: usize,
}

enum Inflater {
    ZlibRs(flate2::Decompress),
    #[cfg(plimsoll_isal)]
    Isal(isal::Inflater),
}

impl Inflater {
    fn new(backend: Backend) -> io::Result<Inflater> {
        Ok(match backend {
            Backend::ZlibRs => Inflater::ZlibRs(flate2::Decompress::new(false)),
            #[cfg(plimsoll_isal)]
            Backend::Isal => Inflater::Isal(isal::Inflater::new()?),
        })
    }

    fn reset(&mut self) {
        match self {
            Inflater::ZlibRs(d) => d.reset(false),
            #[cfg(plimsoll_isal)]
            Inflater::Isal(d) => d.reset(),
        }
    }

    fn inflate(&mut self, input: &[u8], out: &mut [u8]) -> io::Result<Step> {
        match self {
            Inflater::ZlibRs(d) => {
                let (in0, out0) = (d.total_in(), d.total_out());
                let status = d
                    .decompress(input, out, flate2::FlushDecompress::None)
                    .map_err(|e| invalid(&format!("corrupt deflate data ({e})")))?;
                Ok(Step {
                    // Both are bounded by the slices' lengths.
                    consumed: usize::try_from(d.total_in() - in0).unwrap_or(usize::MAX),
                    produced: usize::try_from(d.total_out() - out0).unwrap_or(usize::MAX),
                    finished: status == flate2::Status::StreamEnd,
                    unread: 0,
                })
            }
            #[cfg(plimsoll_isal)]
            Inflater::Isal(d) => d.inflate(input, out),
        }
    }
}

/// ISA-L through the C bridge in `csrc/isal_inflate.c`.
#[cfg(plimsoll_isal)]
mod isal {
    use std::ffi::c_int;
    use std::io;
    use std::ptr::NonNull;

    use super::{Step, invalid};

    /// `struct inflate_state`, only ever behind a pointer.
    #[repr(C)]
    struct State {
        _opaque: [u8; 0],
    }

    unsafe extern "C" {
        fn plimsoll_isal_new() -> *mut State;
        fn plimsoll_isal_reset(s: *mut State);
        fn plimsoll_isal_free(s: *mut State);
        fn plimsoll_isal_inflate(
            s: *mut State,
            input: *const u8,
            in_len: u32,
            out: *mut u8,
            out_len: u32,
            consumed: *mut u32,
            produced: *mut u32,
            finished: *mut c_int,
            unread: *mut u32,
        ) -> c_int;
    }

    /// One decoder state (about 40 KiB, on the C heap).
    pub(super) struct Inflater(NonNull<State>);

    // SAFETY: the state is plain memory owned by this value; ISA-L keeps no
    // thread-local or global mutable data.
    unsafe impl Send for Inflater {}

    impl Inflater {
        pub(super) fn new() -> io::Result<Inflater> {
            // SAFETY: allocates and initialises a state, or returns null.
            let p = unsafe { plimsoll_isal_new() };
            NonNull::new(p).map(Inflater).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    "gzip: no memory for the inflater",
                )
            })
        }

        pub(super) fn reset(&mut self) {
            // SAFETY: the state is valid and exclusively ours.
            unsafe { plimsoll_isal_reset(self.0.as_ptr()) }
        }

        pub(super) fn inflate(&mut self, input: &[u8], out: &mut [u8]) -> io::Result<Step> {
            // ISA-L counts in u32: hand it at most 4 GiB at a time.
            let in_len = u32::try_from(input.len()).unwrap_or(u32::MAX);
            let out_len = u32::try_from(out.len()).unwrap_or(u32::MAX);
            let (mut consumed, mut produced, mut finished, mut unread) = (0u32, 0u32, 0, 0u32);
            // SAFETY: the state is valid and exclusively ours; `input` and
            // `out` are valid for `in_len` and `out_len` bytes; ISA-L keeps
            // no pointer to them after returning (it copies what it must
            // keep into the state).
            let status = unsafe {
                plimsoll_isal_inflate(
                    self.0.as_ptr(),
                    input.as_ptr(),
                    in_len,
                    out.as_mut_ptr(),
                    out_len,
                    &mut consumed,
                    &mut produced,
                    &mut finished,
                    &mut unread,
                )
            };
            if status < 0 {
                let what = match status {
                    -1 => "an invalid block",
                    -2 => "an invalid symbol",
                    -3 => "a back-reference before the start of the data",
                    _ => "an error",
                };
                return Err(invalid(&format!(
                    "corrupt deflate data ({what}, ISA-L status {status})"
                )));
            }
            Ok(Step {
                consumed: consumed as usize,
                produced: produced as usize,
                finished: finished != 0,
                unread: unread as usize,
            })
        }
    }

    impl Drop for Inflater {
        fn drop(&mut self) {
            // SAFETY: allocated by plimsoll_isal_new, freed once.
            unsafe { plimsoll_isal_free(self.0.as_ptr()) }
        }
    }
}

/// The compressed input: a buffer that keeps the last [`HISTORY`] consumed
/// bytes so that they can be un-read.
struct Input<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
}

impl<R: Read> Input<R> {
    fn new(inner: R) -> Self {
        Input {
            inner,
            buf: vec![0u8; HISTORY + INPUT_BUF].into_boxed_slice(),
            pos: 0,
            end: 0,
        }
    }

    /// Gives back the last `n` consumed bytes.
    fn unconsume(&mut self, n: usize) -> io::Result<()> {
        if n > self.pos {
            return Err(invalid("inflater gave back more bytes than it read"));
        }
        self.pos -= n;
        Ok(())
    }
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Input<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.end {
            let keep = self.pos.min(HISTORY);
            self.buf.copy_within(self.pos - keep..self.pos, 0);
            self.pos = keep;
            self.end = keep;
            loop {
                match self.inner.read(&mut self.buf[keep..]) {
                    Ok(n) => {
                        self.end = keep + n;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(&self.buf[self.pos..self.end])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }
}

/// A reader of the concatenated members of a gzip stream.
pub(crate) struct GzipMembers<R: Read> {
    input: Input<R>,
    inflater: Inflater,
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
    /// A reader with the build's default inflater.
    pub(crate) fn new(inner: R) -> io::Result<Self> {
        Self::with_backend(inner, Backend::default_for_build())
    }

    pub(crate) fn with_backend(inner: R, backend: Backend) -> io::Result<Self> {
        Ok(Self {
            input: Input::new(inner),
            inflater: Inflater::new(backend)?,
            member_out: 0,
            state: State::Header,
        })
    }

    /// The compressed reader (bytes it had buffered are dropped).
    pub(crate) fn into_inner(self) -> R {
        self.input.inner
    }
}

impl<R: Read> Read for GzipMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Calls that neither take input nor give output: a decoder that
        // stalls must not spin forever.
        let mut idle = 0;
        loop {
            match self.state {
                State::Done => return Ok(0),
                State::Header => {
                    read_header(&mut self.input)?;
                    self.inflater.reset();
                    self.member_out = 0;
                    self.state = State::Body;
                }
                State::Body => {
                    let input = self.input.fill_buf()?;
                    let at_end = input.is_empty();
                    let step = self.inflater.inflate(input, buf)?;
                    self.input.consume(step.consumed);
                    if step.finished {
                        self.input.unconsume(step.unread)?;
                        self.state = State::Trailer;
                    } else if step.produced == 0 {
                        if at_end {
                            return Err(io::Error::new(
                                io::ErrorKind::UnexpectedEof,
                                "gzip: stream ends inside a member's compressed data",
                            ));
                        }
                        if step.consumed == 0 {
                            idle += 1;
                            if idle > 3 {
                                return Err(invalid("inflater makes no progress"));
                            }
                        }
                    }
                    if step.produced > 0 {
                        self.member_out += step.produced as u64;
                        return Ok(step.produced);
                    }
                }
                State::Trailer => {
                    let mut trailer = [0u8; 8];
                    self.input.read_exact(&mut trailer)?;
                    let isize =
                        u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
                    // ISIZE is the length modulo 2^32.
                    if u64::from(isize) != self.member_out & 0xffff_ffff {
                        return Err(invalid(&format!(
                            "member length {} does not match its trailer ({isize})",
                            self.member_out
                        )));
                    }
                    self.state = if self.input.fill_buf()?.is_empty() {
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

    /// Inflates with every backend of the build; they must agree.
    fn unzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut first: Option<io::Result<Vec<u8>>> = None;
        for backend in Backend::all() {
            let got = unzip_with(bytes, backend, usize::MAX);
            match &first {
                None => first = Some(got),
                Some(Ok(want)) => assert_eq!(got.as_ref().ok(), Some(want), "{backend:?}"),
                Some(Err(_)) => assert!(got.is_err(), "{backend:?} accepted what another refused"),
            }
        }
        first.unwrap_or_else(|| Ok(Vec::new()))
    }

    /// A reader that gives at most `chunk` bytes per read.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.data.len().min(buf.len()).min(self.chunk);
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn unzip_with(bytes: &[u8], backend: Backend, chunk: usize) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        GzipMembers::with_backend(Trickle { data: bytes, chunk }, backend)?
            .read_to_end(&mut out)?;
        Ok(out)
    }

    fn gz_level(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Several members of any data at any level, fed in pieces of any
        /// size (a member boundary can fall anywhere in a read): every
        /// backend gives back the data.
        #[test]
        fn members_in_any_pieces_round_trip(
            parts in proptest::collection::vec(
                (proptest::collection::vec(0u8..4, 0..20_000), 0u32..10, 0usize..3),
                1..4,
            ),
            chunk in 1usize..70_000,
        ) {
            let mut stream = Vec::new();
            let mut want = Vec::new();
            for (data, level, repeat) in &parts {
                // Low-entropy bytes, repeated: long back-references.
                let mut d = data.clone();
                for _ in 0..*repeat {
                    d.extend_from_slice(data);
                }
                stream.extend(gz_level(&d, *level));
                want.extend(d);
            }
            for backend in Backend::all() {
                let got = unzip_with(&stream, backend, chunk).map_err(|e| e.to_string());
                proptest::prop_assert_eq!(got.as_ref().map(Vec::len), Ok(want.len()), "{:?}", backend);
                proptest::prop_assert!(got == Ok(want.clone()), "{:?}", backend);
            }
        }

        /// Corrupted streams: never a panic or a hang, and backends that
        /// both accept a stream give the same bytes.
        #[test]
        fn corrupted_streams_are_refused_alike(
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..5_000),
            flips in proptest::collection::vec((proptest::prelude::any::<usize>(), 1u8..=255), 1..4),
            chunk in 1usize..9_000,
        ) {
            let mut stream = gz_level(&data, 6);
            for (at, x) in flips {
                let n = stream.len();
                stream[at % n] ^= x;
            }
            backends_agree(|| Trickle { data: &stream, chunk }, u64::MAX);
        }
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
