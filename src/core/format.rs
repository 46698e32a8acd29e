//! Human-readable figures for report messages.

/// Bytes as `"1.5 MiB"`, `"812 B"`.
pub fn bytes(value: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if !value.is_finite() {
        return "?".to_string();
    }
    let mut scaled = value.abs();
    let mut unit = 0;
    while scaled >= 1024.0 && unit < UNITS.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    let sign = if value < 0.0 { "-" } else { "" };
    if unit == 0 {
        format!("{sign}{scaled:.0} {}", UNITS[unit])
    } else {
        format!("{sign}{scaled:.1} {}", UNITS[unit])
    }
}

/// A duration as `"300 ms"`, `"3.2 s"`, `"45 s"`, `"12 min"`, `"3.5 h"`, `"2.0 days"`.
pub fn duration(ms: f64) -> String {
    if !ms.is_finite() {
        return "never".to_string();
    }
    let s = ms / 1000.0;
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 90.0 * 60.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 48.0 * 3600.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} days", s / 86_400.0)
    }
}

/// A whole count with thousands separators: `"3,000"`.
pub fn count(value: f64) -> String {
    let n = value.round().abs() as u64;
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0.0 && n > 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_bytes() {
        assert_eq!(bytes(812.0), "812 B");
        assert_eq!(bytes(1536.0), "1.5 KiB");
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0), "3.0 MiB");
        assert_eq!(bytes(f64::NAN), "?");
    }

    #[test]
    fn formats_durations() {
        assert_eq!(duration(300.0), "300 ms");
        assert_eq!(duration(3_200.0), "3.2 s");
        assert_eq!(duration(45_000.0), "45 s");
        assert_eq!(duration(12.0 * 60_000.0), "12 min");
        assert_eq!(duration(3.5 * 3_600_000.0), "3.5 h");
        assert_eq!(duration(f64::INFINITY), "never");
    }

    #[test]
    fn formats_counts() {
        assert_eq!(count(3000.0), "3,000");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1_234_567.0), "1,234,567");
    }
}
