//! The buffer the binary analyzer reads each executable into, whole (the ELF
//! readers need its section headers, at the end, to find sections near the
//! start). One per thread, reused from file to file.
//!
//! On Linux it is anonymous memory advised for transparent huge pages: a cold
//! scan reads tens of megabytes of executables, and filling a fresh buffer one
//! 4 KiB page fault at a time was a tenth of the scan's system time. Elsewhere
//! it is a plain vector. Either way it stays initialised between files, so
//! nothing is zero-filled again before a read.

use std::io;

/// Largest buffer kept between files.
pub(crate) const KEEP: usize = 64 << 20;

pub(crate) struct ExeBuffer {
    #[cfg(target_os = "linux")]
    map: Option<huge::Mapping>,
    #[cfg(not(target_os = "linux"))]
    vec: Vec<u8>,
}

impl ExeBuffer {
    pub(crate) fn new() -> Self {
        ExeBuffer {
            #[cfg(target_os = "linux")]
            map: None,
            #[cfg(not(target_os = "linux"))]
            vec: Vec::new(),
        }
    }

    /// At least `n` writable bytes (their contents are whatever the last
    /// file left: callers read only what they wrote).
    pub(crate) fn get(&mut self, n: usize) -> io::Result<&mut [u8]> {
        if n == 0 {
            return Ok(&mut []);
        }
        #[cfg(target_os = "linux")]
        {
            if self.map.as_ref().is_none_or(|m| m.len() < n) {
                // The old mapping goes first: two need not coexist. At
                // least KEEP bytes of address space are mapped at once (the
                // kernel backs only the pages touched), so that a bigger
                // executable than the last one does not cost a new mapping
                // whose every page is zeroed again.
                self.map = None;
                self.map = Some(huge::Mapping::new(n.max(KEEP))?);
            }
            match self.map.as_mut() {
                Some(m) => Ok(&mut m.as_mut_slice()[..n]),
                None => Err(io::Error::other("executable buffer missing")),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            if self.vec.len() < n {
                self.vec.resize(n, 0);
            }
            Ok(&mut self.vec[..n])
        }
    }

    /// Frees the buffer if it is bigger than [`KEEP`].
    pub(crate) fn shrink(&mut self) {
        #[cfg(target_os = "linux")]
        if self.map.as_ref().is_some_and(|m| m.len() > KEEP) {
            self.map = None;
        }
        #[cfg(not(target_os = "linux"))]
        if self.vec.len() > KEEP {
            self.vec = Vec::new();
        }
    }
}

#[cfg(target_os = "linux")]
mod huge {
    use std::io;
    use std::ptr::NonNull;

    /// A transparent huge page.
    const HUGE: usize = 2 << 20;

    /// A private anonymous mapping, 2 MiB-aligned, advised for huge pages.
    pub(super) struct Mapping {
        ptr: NonNull<u8>,
        len: usize,
    }

    impl Mapping {
        pub(super) fn new(min: usize) -> io::Result<Mapping> {
            let too_big =
                || io::Error::new(io::ErrorKind::OutOfMemory, "executable too big to buffer");
            let len = min.div_ceil(HUGE).checked_mul(HUGE).ok_or_else(too_big)?;
            let span = len.checked_add(HUGE).ok_or_else(too_big)?;
            // SAFETY: a fresh private anonymous mapping; no existing memory
            // is touched.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    span,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            // Keep the 2 MiB-aligned `len` bytes inside the span, unmap the
            // rest (huge pages need aligned addresses).
            let addr = p as usize;
            let aligned = addr.next_multiple_of(HUGE);
            let head = aligned - addr;
            let tail = span - head - len;
            // SAFETY: both ranges lie inside the mapping just made and are
            // not used again.
            unsafe {
                if head > 0 {
                    libc::munmap(p, head);
                }
                if tail > 0 {
                    libc::munmap((aligned + len) as *mut libc::c_void, tail);
                }
                // Only advice: without huge pages the mapping still works.
                libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
            }
            let ptr = NonNull::new(aligned as *mut u8).ok_or_else(io::Error::last_os_error)?;
            Ok(Mapping { ptr, len })
        }

        pub(super) fn len(&self) -> usize {
            self.len
        }

        pub(super) fn as_mut_slice(&mut self) -> &mut [u8] {
            // SAFETY: `len` bytes at `ptr` are mapped read-write for the
            // mapping's life, zero-filled by the kernel at first touch, and
            // borrowed mutably through `self` only.
            unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
        }
    }

    impl Drop for Mapping {
        fn drop(&mut self) {
            // SAFETY: unmaps exactly the range this value owns.
            unsafe {
                libc::munmap(self.ptr.as_ptr().cast(), self.len);
            }
        }
    }
}
