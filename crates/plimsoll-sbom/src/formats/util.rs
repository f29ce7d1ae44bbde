//! Small helpers of the writers: RFC 3339 timestamps, random UUIDs, JSON
//! pointers, SPDX identifiers.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time as RFC 3339 in UTC, to the second (`2026-11-22T14:20:51Z`).
pub fn now_rfc3339() -> String {
    let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    rfc3339_utc(secs)
}

/// Seconds since the Unix epoch as RFC 3339 in UTC (`YYYY-MM-DDTHH:MM:SSZ`).
/// Years outside 0000–9999 are clamped to that range (RFC 3339 has four digits).
pub fn rfc3339_utc(secs: i64) -> String {
    // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    const MIN: i64 = -62_167_219_200;
    const MAX: i64 = 253_402_300_799;
    let secs = secs.clamp(MIN, MAX);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day)
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether `s` is an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`),
/// checked by shape and field ranges.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let num = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(0u32, |n, c| n * 10 + u32::from(c.saturating_sub(b'0')))
    };
    if !(digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19))
    {
        return false;
    }
    if !((1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) < 24
        && num(14..16) < 60
        && num(17..19) < 61)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && (h1 - b'0') * 10 + (h2 - b'0') < 24
                && (m1 - b'0') * 10 + (m2 - b'0') < 60
        }
        _ => false,
    }
}

/// A random (version 4, RFC 9562) UUID in its lowercase hyphenated form.
///
/// The bytes come from the operating system (`getrandom`); should that fail,
/// from std's randomly keyed SipHash over the time and a process-wide counter,
/// which is still unique in practice.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        fallback_random(&mut b);
    }
    format_uuid_v4(b)
}

/// Format 16 bytes as a version 4, variant 1 UUID (the version and variant
/// bits are set here).
pub fn format_uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

fn fallback_random(out: &mut [u8; 16]) {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
    }
}

/// Whether `s` is a UUID in lowercase hyphenated form (any version).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_digit() || (b'a'..=b'f').contains(c)
            }
        })
}

/// Replace every character outside `[A-Za-z0-9.-]` by `-` (SPDX identifiers
/// and `LicenseRef-` ids allow only those); an empty result becomes `x`.
pub fn spdx_id_part(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() { "x".to_owned() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_795_358_451), "2026-11-22T14:40:51Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(i64::MIN), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(i64::MAX), "9999-12-31T23:59:59Z");
        assert!(is_rfc3339(&now_rfc3339()));
    }

    #[test]
    fn rfc3339_recogniser() {
        for ok in [
            "2026-11-22T14:20:51Z",
            "2026-11-22T14:22:33+00:00",
            "2026-11-22T14:22:33.123456-07:30",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2026-11-22",
            "2026-13-22T14:20:51Z",
            "2026-11-22 14:20:51Z",
            "2026-11-22T14:20:51",
            "2026-11-22T14:20:51.Z",
            "2026-11-22T14:20:51+0000",
            "2026-11-22T14:20:51Zjunk",
            "２026-11-22T14:20:51Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn uuids_are_v4_and_differ() {
        let a = uuid_v4();
        let b = uuid_v4();
        assert_ne!(a, b);
        for u in [&a, &b] {
            assert!(is_uuid(u), "{u}");
            assert_eq!(&u[14..15], "4");
            assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
        }
        assert_eq!(
            format_uuid_v4([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        let mut f = [0u8; 16];
        fallback_random(&mut f);
        assert!(is_uuid(&format_uuid_v4(f)));
    }

    #[test]
    fn spdx_ids() {
        assert_eq!(spdx_id_part("libc6:amd64 +x/é"), "libc6-amd64--x--");
        assert_eq!(spdx_id_part(""), "x");
    }
}
