//! A pull tokenizer over JSON text read as a stream: big arrays of numbers
//! and strings are handed out one item at a time, never held as a tree.
//! Every error names the byte offset where the text went wrong.

use std::io::Read;

use super::error::{SnapshotError, SnapshotErrorKind};

/// Bytes read from the source at a time.
const CHUNK: usize = 1 << 20;

/// Powers of ten to 10^8.
const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// Bytes of an array that one step of the fast path looks at.
const BLOCK: usize = 64;

/// Bytes from a block's start that its step may read: a number that starts
/// in the block is read whole, up to 16 digits.
const BLOCK_READ: usize = BLOCK + 24;

/// The eight bytes of `b` from `at`, the lowest first.
#[inline(always)]
fn word(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"))
}

/// Per byte of `b`'s first [`BLOCK`] bytes, a bit set when it is not an
/// ASCII digit; `None` when a byte is not ASCII (the careful path names it).
#[inline(always)]
fn nondigit_mask(b: &[u8; BLOCK_READ]) -> Option<u64> {
    let mut mask = 0u64;
    let mut high = 0u64;
    for i in 0..BLOCK / 8 {
        let w = word(b, i * 8);
        high |= w;
        // A digit XOR '0' is 0..=9; adding 0x76 sets a byte's top bit from
        // 10 up, and no ASCII byte carries into the next.
        let x = w ^ 0x3030_3030_3030_3030;
        let flags = ((x.wrapping_add(0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080) >> 7;
        // Gathers the eight flags (bits 0, 8, ..., 56) into one byte.
        mask |= (flags.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (i * 8);
    }
    (high & 0x8080_8080_8080_8080 == 0).then_some(mask)
}

/// The value of the first `n` (1 to 8) digits of `w`, lowest byte first.
#[inline(always)]
fn digits_value(w: u64, n: u32) -> u64 {
    let x = (w ^ 0x3030_3030_3030_3030) << (8 * (8 - n));
    // Pairs, then fours, then the eight: the digits above the `n` read as
    // leading zeros.
    let x = x.wrapping_mul(10).wrapping_add(x >> 8);
    ((x & 0x0000_00FF_0000_00FF)
        .wrapping_mul(100 + (1_000_000 << 32))
        .wrapping_add(((x >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32))))
        >> 32
}

/// The value of the `len` (1 to 16) digits of `b` from `at`.
#[inline(always)]
fn number_value(b: &[u8], at: usize, len: usize) -> u64 {
    if len <= 8 {
        digits_value(word(b, at), len as u32)
    } else {
        let low = len - 8;
        digits_value(word(b, at), 8) * POW10[low] + digits_value(word(b, at + 8), low as u32)
    }
}
/// Nesting allowed in the small values read whole (the snapshot's meta).
const MAX_DEPTH: usize = 64;
/// Bytes allowed in one small value read whole.
const MAX_SMALL_VALUE_BYTES: usize = 1 << 20;

/// A small JSON value read whole (the `snapshot` header, never the big arrays).
#[derive(Clone, Debug, PartialEq)]
pub enum JsonValue {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// Any number.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object, keys in file order.
    Object(Vec<(String, JsonValue)>),
}

impl JsonValue {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        match self {
            JsonValue::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The strings of an array of strings.
    pub fn as_strings(&self) -> Option<Vec<String>> {
        match self {
            JsonValue::Array(items) => items
                .iter()
                .map(|v| match v {
                    JsonValue::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }
}

/// Reads JSON tokens from `R`, tracking the byte offset.
pub struct JsonStream<R: Read> {
    source: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    /// Offset in the file of `buf[0]`.
    base: u64,
    file: String,
    done: bool,
}

impl<R: Read> JsonStream<R> {
    /// A tokenizer over `source`; `file` names it in errors.
    pub fn new(source: R, file: &str) -> Self {
        JsonStream {
            source,
            buf: vec![0; CHUNK],
            pos: 0,
            len: 0,
            base: 0,
            file: file.to_string(),
            done: false,
        }
    }

    /// Offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// A syntax error at the current offset.
    pub fn syntax(&self, message: impl Into<String>) -> SnapshotError {
        SnapshotError::at(
            SnapshotErrorKind::Syntax,
            &self.file,
            self.offset(),
            message,
        )
    }

    /// A format error at `offset`.
    pub fn format_at(&self, offset: u64, message: impl Into<String>) -> SnapshotError {
        SnapshotError::at(SnapshotErrorKind::Format, &self.file, offset, message)
    }

    fn fill(&mut self) -> Result<bool, SnapshotError> {
        if self.pos < self.len {
            return Ok(true);
        }
        if self.done {
            return Ok(false);
        }
        self.base += self.len as u64;
        self.pos = 0;
        self.len = 0;
        loop {
            match self.source.read(&mut self.buf) {
                Ok(0) => {
                    self.done = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.len = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(SnapshotError::at(
                        SnapshotErrorKind::Io,
                        &self.file,
                        self.offset(),
                        format!("cannot read the file: {e}"),
                    ))
                }
            }
        }
    }

    /// The next byte that is not white space, without consuming it; `None` at the end.
    pub fn peek(&mut self) -> Result<Option<u8>, SnapshotError> {
        loop {
            if !self.fill()? {
                return Ok(None);
            }
            let b = self.buf[self.pos];
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                return Ok(Some(b));
            }
        }
    }

    fn describe(b: Option<u8>) -> String {
        match b {
            None => "the end of the file".to_string(),
            Some(b) if b.is_ascii_graphic() => format!("'{}'", b as char),
            Some(b) => format!("byte 0x{b:02x}"),
        }
    }

    /// Consumes `expected` (after white space) or fails naming what was found.
    pub fn expect(&mut self, expected: u8, what: &str) -> Result<(), SnapshotError> {
        let found = self.peek()?;
        if found == Some(expected) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(format!("expected {what}, found {}", Self::describe(found))))
        }
    }

    /// After an item of an array or object: `true` if a `,` follows, `false` at `close`.
    pub fn next_item(&mut self, close: u8) -> Result<bool, SnapshotError> {
        match self.peek()? {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            found => Err(self.syntax(format!(
                "expected ',' or '{}', found {}",
                close as char,
                Self::describe(found)
            ))),
        }
    }

    /// Consumes `[` and reports whether the array is empty (then `]` is consumed too).
    pub fn open_array(&mut self, what: &str) -> Result<bool, SnapshotError> {
        self.expect(b'[', what)?;
        if self.peek()? == Some(b']') {
            self.pos += 1;
            return Ok(false);
        }
        Ok(true)
    }

    /// Calls `item(value, offset)` for each unsigned integer of an array.
    pub fn read_uint_array(
        &mut self,
        what: &str,
        mut item: impl FnMut(u64, u64) -> Result<(), SnapshotError>,
    ) -> Result<(), SnapshotError> {
        if !self.open_array(&format!("'[' opening {what}"))? {
            return Ok(());
        }
        loop {
            // Fast path: a plain number and its separator, inside the buffer.
            if let Some((value, start, next, more)) = self.plain_item() {
                let at = self.base + (self.pos + start) as u64;
                self.pos += next;
                item(value, at)?;
                if !more {
                    return Ok(());
                }
                continue;
            }
            let at = {
                self.peek()?;
                self.offset()
            };
            let value = self.read_uint()?;
            item(value, at)?;
            if !self.next_item(b']')? {
                return Ok(());
            }
        }
    }

    /// Reads an array of unsigned integers in rows of `width`, calling
    /// `row(values, offsets)` for each full row (`offsets`: where each value
    /// starts in the file). Returns how many values a last, partial row
    /// held (0 when the array's length is a multiple of `width`).
    pub fn read_uint_rows(
        &mut self,
        what: &str,
        width: usize,
        mut row: impl FnMut(&[u64], &[u64]) -> Result<(), SnapshotError>,
    ) -> Result<usize, SnapshotError> {
        if !self.open_array(&format!("'[' opening {what}"))? {
            return Ok(0);
        }
        let width = width.max(1);
        let mut values = vec![0u64; width];
        let mut offsets = vec![0u64; width];
        let mut k = 0usize;
        loop {
            // Fast path: blocks of plain numbers and separators, inside the buffer.
            while self.len - self.pos >= BLOCK_READ {
                let block: &[u8; BLOCK_READ] = self.buf[self.pos..self.pos + BLOCK_READ]
                    .try_into()
                    .expect("the block's length");
                let Some(nondigit) = nondigit_mask(block) else {
                    break;
                };
                let digit = !nondigit;
                // Where numbers start (a digit after a non-digit, or the
                // block's first byte) and end (a non-digit after a digit).
                let mut starts = digit & !(digit << 1);
                let mut ends = nondigit & (digit << 1);
                // The block is entered at a number's start.
                if starts & 1 == 0 {
                    break;
                }
                let mut consumed = 0usize;
                let mut last = false;
                while ends != 0 {
                    let (start, end) = (
                        starts.trailing_zeros() as usize,
                        ends.trailing_zeros() as usize,
                    );
                    let len = end - start;
                    if len > 16 {
                        break;
                    }
                    starts &= starts - 1;
                    let separator = block[end];
                    if separator == b']' {
                        last = true;
                    } else {
                        // Only `,` with at most a newline before or after it:
                        // anything else is left to the careful path.
                        if starts == 0 {
                            break;
                        }
                        let next = starts.trailing_zeros() as usize;
                        let plain = match next - end {
                            1 => separator == b',',
                            2 => {
                                matches!((separator, block[end + 1]), (b',', b'\n') | (b'\n', b','))
                            }
                            _ => false,
                        };
                        if !plain {
                            break;
                        }
                    }
                    ends &= ends - 1;
                    values[k] = number_value(block, start, len);
                    offsets[k] = self.base + (self.pos + start) as u64;
                    k += 1;
                    if k == width {
                        row(&values, &offsets)?;
                        k = 0;
                    }
                    if last {
                        self.pos += end + 1;
                        return Ok(k);
                    }
                    consumed = starts.trailing_zeros() as usize;
                }
                if consumed == 0 {
                    break;
                }
                self.pos += consumed;
            }
            // Careful path: one value, across buffers or in any JSON spelling.
            let at = {
                self.peek()?;
                self.offset()
            };
            values[k] = self.read_uint()?;
            offsets[k] = at;
            k += 1;
            if k == width {
                row(&values, &offsets)?;
                k = 0;
            }
            if !self.next_item(b']')? {
                return Ok(k);
            }
        }
    }

    /// The next array item when it is a plain unsigned integer followed by
    /// `,` or `]`, all inside the buffer: (value, its start, the offset past
    /// the separator, whether more items follow). `None` leaves the rest to
    /// the careful path (buffer ends, long numbers, anything unusual).
    #[inline]
    fn plain_item(&self) -> Option<(u64, usize, usize, bool)> {
        const WINDOW: usize = 96;
        if self.len - self.pos < WINDOW {
            return None;
        }
        let b = &self.buf[self.pos..self.pos + WINDOW];
        let space = |c: u8| matches!(c, b' ' | b'\n' | b'\r' | b'\t');
        let mut i = 0;
        while i < 32 && space(b[i]) {
            i += 1;
        }
        let start = i;
        let mut value: u64 = 0;
        // Up to 19 digits cannot overflow 64 bits.
        while i < start + 19 && b[i].is_ascii_digit() {
            value = value * 10 + (b[i] - b'0') as u64;
            i += 1;
        }
        if i == start || b[i].is_ascii_digit() || matches!(b[i], b'.' | b'e' | b'E') {
            return None;
        }
        while i < start + 19 + 32 && space(b[i]) {
            i += 1;
        }
        match b[i] {
            b',' => Some((value, start, i + 1, true)),
            b']' => Some((value, start, i + 1, false)),
            _ => None,
        }
    }

    /// An unsigned integer (a JSON number with no sign, fraction or exponent).
    pub fn read_uint(&mut self) -> Result<u64, SnapshotError> {
        match self.peek()? {
            Some(b'0'..=b'9') => {}
            found => {
                return Err(self.syntax(format!(
                    "expected an unsigned integer, found {}",
                    Self::describe(found)
                )))
            }
        }
        let mut value: u64 = 0;
        let start = self.offset();
        loop {
            if self.pos >= self.len && !self.fill()? {
                break;
            }
            let b = self.buf[self.pos];
            if !b.is_ascii_digit() {
                if matches!(b, b'.' | b'e' | b'E' | b'-' | b'+') {
                    return Err(
                        self.syntax("expected an unsigned integer, found a fraction or exponent")
                    );
                }
                break;
            }
            value = match value
                .checked_mul(10)
                .and_then(|v| v.checked_add((b - b'0') as u64))
            {
                Some(v) => v,
                None => {
                    return Err(SnapshotError::at(
                        SnapshotErrorKind::Format,
                        &self.file,
                        start,
                        "a number too large for 64 bits",
                    ))
                }
            };
            self.pos += 1;
        }
        Ok(value)
    }

    fn next_byte(&mut self) -> Result<u8, SnapshotError> {
        if !self.fill()? {
            return Err(self.syntax("the file ends inside a string"));
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    fn hex4(&mut self) -> Result<u32, SnapshotError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let b = self.next_byte()?;
            let d = (b as char)
                .to_digit(16)
                .ok_or_else(|| self.syntax("a \\u escape needs four hexadecimal digits"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// Reads a string, appending its decoded UTF-8 to `out`; `limit` bounds its length.
    pub fn read_string_into(
        &mut self,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), SnapshotError> {
        self.expect(b'"', "a string")?;
        let start_len = out.len();
        loop {
            if !self.fill()? {
                return Err(self.syntax("the file ends inside a string"));
            }
            // Copy the run of plain bytes at once.
            let slice = &self.buf[self.pos..self.len];
            let run = slice
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(slice.len());
            out.extend_from_slice(&slice[..run]);
            self.pos += run;
            if out.len() - start_len > limit {
                return Err(self.syntax(format!("a string longer than {limit} bytes")));
            }
            if self.pos >= self.len {
                continue;
            }
            match self.buf[self.pos] {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    let escape = self.next_byte()?;
                    let c = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                // A high surrogate: a low one should follow; a lone one is kept as U+FFFD.
                                if self.peek_raw()? == Some(b'\\') {
                                    self.pos += 1;
                                    if self.next_byte()? != b'u' {
                                        return Err(
                                            self.syntax("an invalid escape after a surrogate")
                                        );
                                    }
                                    let lo = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&lo) {
                                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                    } else {
                                        0xFFFD
                                    }
                                } else {
                                    0xFFFD
                                }
                            } else {
                                hi
                            };
                            char::from_u32(code).unwrap_or('\u{FFFD}')
                        }
                        _ => return Err(self.syntax("an invalid escape in a string")),
                    };
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
                _ => return Err(self.syntax("a control character inside a string")),
            }
        }
        // Snapshots are UTF-8; a stray invalid sequence is replaced rather than refused.
        if std::str::from_utf8(&out[start_len..]).is_err() {
            let fixed = String::from_utf8_lossy(&out[start_len..]).into_owned();
            out.truncate(start_len);
            out.extend_from_slice(fixed.as_bytes());
        }
        Ok(())
    }

    fn peek_raw(&mut self) -> Result<Option<u8>, SnapshotError> {
        if !self.fill()? {
            return Ok(None);
        }
        Ok(Some(self.buf[self.pos]))
    }

    /// Reads a string whole.
    pub fn read_string(&mut self, limit: usize) -> Result<String, SnapshotError> {
        let mut out = Vec::new();
        self.read_string_into(&mut out, limit)?;
        // read_string_into leaves valid UTF-8.
        Ok(String::from_utf8(out).unwrap_or_default())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), SnapshotError> {
        for &expected in word {
            if !self.fill()? || self.buf[self.pos] != expected {
                return Err(self.syntax("an invalid literal"));
            }
            self.pos += 1;
        }
        Ok(())
    }

    fn read_number(&mut self) -> Result<f64, SnapshotError> {
        let mut text = String::new();
        while self.fill()? {
            let b = self.buf[self.pos];
            if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                text.push(b as char);
                self.pos += 1;
                if text.len() > 64 {
                    return Err(self.syntax("a number longer than 64 characters"));
                }
            } else {
                break;
            }
        }
        text.parse::<f64>()
            .map_err(|_| self.syntax(format!("an invalid number '{text}'")))
    }

    /// Reads a small value whole (bounded in depth and size).
    pub fn read_value(&mut self) -> Result<JsonValue, SnapshotError> {
        let start = self.offset();
        self.read_value_at(0, start)
    }

    fn read_value_at(&mut self, depth: usize, start: u64) -> Result<JsonValue, SnapshotError> {
        if depth > MAX_DEPTH {
            return Err(self.syntax(format!("values nested deeper than {MAX_DEPTH} levels")));
        }
        if self.offset() - start > MAX_SMALL_VALUE_BYTES as u64 {
            return Err(self.syntax(format!(
                "a header value larger than {MAX_SMALL_VALUE_BYTES} bytes"
            )));
        }
        match self.peek()? {
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                if self.peek()? == Some(b'}') {
                    self.pos += 1;
                    return Ok(JsonValue::Object(members));
                }
                loop {
                    let key = self.read_string(MAX_SMALL_VALUE_BYTES)?;
                    self.expect(b':', "':'")?;
                    let value = self.read_value_at(depth + 1, start)?;
                    members.push((key, value));
                    if !self.next_item(b'}')? {
                        return Ok(JsonValue::Object(members));
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.peek()? == Some(b']') {
                    self.pos += 1;
                    return Ok(JsonValue::Array(items));
                }
                loop {
                    items.push(self.read_value_at(depth + 1, start)?);
                    if !self.next_item(b']')? {
                        return Ok(JsonValue::Array(items));
                    }
                }
            }
            Some(b'"') => Ok(JsonValue::String(self.read_string(MAX_SMALL_VALUE_BYTES)?)),
            Some(b't') => self.literal(b"true").map(|_| JsonValue::Bool(true)),
            Some(b'f') => self.literal(b"false").map(|_| JsonValue::Bool(false)),
            Some(b'n') => self.literal(b"null").map(|_| JsonValue::Null),
            Some(b'-' | b'0'..=b'9') => Ok(JsonValue::Number(self.read_number()?)),
            found => Err(self.syntax(format!(
                "expected a JSON value, found {}",
                Self::describe(found)
            ))),
        }
    }

    /// Skips one value of any size without building it (iteratively: deep nesting cannot overflow the stack).
    pub fn skip_value(&mut self) -> Result<(), SnapshotError> {
        let mut closers: Vec<u8> = Vec::new();
        loop {
            // A value.
            match self.peek()? {
                Some(b'{') => {
                    self.pos += 1;
                    if self.peek()? == Some(b'}') {
                        self.pos += 1;
                    } else {
                        closers.push(b'}');
                        self.read_string(usize::MAX)?;
                        self.expect(b':', "':'")?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    if self.peek()? == Some(b']') {
                        self.pos += 1;
                    } else {
                        closers.push(b']');
                        continue;
                    }
                }
                Some(b'"') => {
                    let mut sink = Vec::new();
                    self.read_string_into(&mut sink, usize::MAX)?;
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.read_number()?;
                }
                found => {
                    return Err(self.syntax(format!(
                        "expected a JSON value, found {}",
                        Self::describe(found)
                    )))
                }
            }
            // After a value: close containers or move to the next item.
            loop {
                let Some(&close) = closers.last() else {
                    return Ok(());
                };
                if self.next_item(close)? {
                    if close == b'}' {
                        self.read_string(usize::MAX)?;
                        self.expect(b':', "':'")?;
                    }
                    break;
                }
                closers.pop();
            }
        }
    }

    /// Fails unless only white space is left.
    pub fn expect_end(&mut self) -> Result<(), SnapshotError> {
        match self.peek()? {
            None => Ok(()),
            Some(b) => Err(self.syntax(format!(
                "unexpected {} after the snapshot",
                Self::describe(Some(b))
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(text: &str) -> JsonStream<&[u8]> {
        JsonStream::new(text.as_bytes(), "t.json")
    }

    #[test]
    fn reads_unsigned_integer_arrays_with_offsets() {
        let mut s = stream(" [1, 22,333 ]");
        let mut seen = Vec::new();
        s.read_uint_array("nodes", |v, at| {
            seen.push((v, at));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(1, 2), (22, 5), (333, 8)]);
    }

    #[test]
    fn refuses_fractions_and_signs_in_number_arrays() {
        let e = stream("[1,2.5]")
            .read_uint_array("nodes", |_, _| Ok(()))
            .unwrap_err();
        assert_eq!(e.kind, SnapshotErrorKind::Syntax);
        assert_eq!(e.offset, Some(4));
        let e = stream("[-1]")
            .read_uint_array("nodes", |_, _| Ok(()))
            .unwrap_err();
        assert_eq!(e.offset, Some(1));
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let mut s = stream(r#""a\"b\\c\n\u00e9\ud83d\ude00\ud800x""#);
        assert_eq!(s.read_string(100).unwrap(), "a\"b\\c\né😀\u{FFFD}x");
    }

    #[test]
    fn reads_small_values_and_skips_big_ones() {
        let mut s = stream(r#"{"a":[1,{"b":null}],"c":true} [[[]],{"x":"y"}] 7"#);
        let v = s.read_value().unwrap();
        assert_eq!(v.get("c"), Some(&JsonValue::Bool(true)));
        s.skip_value().unwrap();
        assert_eq!(s.read_uint().unwrap(), 7);
        s.expect_end().unwrap();
    }

    #[test]
    fn deep_nesting_is_an_error_when_read_and_fine_when_skipped() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(stream(&deep).read_value().is_err());
        stream(&deep).skip_value().unwrap();
    }

    #[test]
    fn truncation_names_the_end() {
        let e = stream(r#"{"a": "abc"#).read_value().unwrap_err();
        assert_eq!(e.offset, Some(10));
        assert!(e.message.contains("ends inside a string"), "{}", e.message);
    }

    #[test]
    fn reads_across_chunk_boundaries() {
        let numbers: Vec<String> = (0..400_000u64).map(|i| (i * 7919).to_string()).collect();
        let text = format!("[{}]", numbers.join(","));
        let mut s = stream(&text);
        let mut sum = 0u64;
        let mut count = 0;
        s.read_uint_array("x", |v, _| {
            sum += v;
            count += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(count, 400_000);
        assert_eq!(sum, (0..400_000u64).map(|i| i * 7919).sum::<u64>());
    }

    /// A source that hands out a few bytes at a time, so that arrays cross
    /// the buffer's end at every kind of place.
    struct Trickle<'a> {
        text: &'a [u8],
        at: usize,
        seed: u64,
    }

    fn next_random(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = (1 + next_random(&mut self.seed) as usize % 5000)
                .min(buf.len())
                .min(self.text.len() - self.at);
            buf[..n].copy_from_slice(&self.text[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn rows_read_as_single_values_do_in_any_spelling() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for case in 0..400u64 {
            let mut text = String::from("[");
            let items = next_random(&mut seed) % 3000;
            // One case in four has one flaw somewhere.
            let flawed = (case % 4 == 3).then(|| next_random(&mut seed) % items.max(1));
            for i in 0..items {
                let r = next_random(&mut seed);
                let digits = 1 + (r % 20) as usize;
                let mut number: String = (0..digits)
                    .map(|_| char::from(b'0' + (next_random(&mut seed) % 10) as u8))
                    .collect();
                // What the careful path must refuse.
                let flaw = (flawed == Some(i)).then_some((r >> 8) % 6);
                match flaw {
                    Some(0) => number.push_str(".5"),
                    Some(1) => number.insert(0, '-'),
                    Some(2) => number.push('x'),
                    Some(3) => number.push_str("e3"),
                    _ => {}
                }
                text.push_str(&number);
                if i + 1 < items {
                    let separator = match (flaw, (r >> 20) % 40) {
                        (Some(4), _) => ",,",
                        (Some(5), _) => "\n",
                        (_, 0) => " , ",
                        (_, 1) => ",\t",
                        (_, 2) => "\n\n,",
                        (_, 3..=12) => ",\n",
                        (_, 13..=17) => "\n,",
                        _ => ",",
                    };
                    text.push_str(separator);
                }
            }
            text.push_str("] 7");
            let width = 1 + (case % 8) as usize;
            let source = |seed| Trickle {
                text: text.as_bytes(),
                at: 0,
                seed,
            };
            let mut single = Vec::new();
            let mut s = JsonStream::new(source(case + 1), "t.json");
            let one = s.read_uint_array("x", |v, at| {
                single.push((v, at));
                Ok(())
            });
            let one = one.map(|_| s.read_uint().unwrap());
            let mut rows = Vec::new();
            let mut s = JsonStream::new(source(case * 31 + 7), "t.json");
            let many = s.read_uint_rows("x", width, |values, offsets| {
                assert_eq!(values.len(), width);
                rows.extend(values.iter().copied().zip(offsets.iter().copied()));
                Ok(())
            });
            let many = many.map(|partial| (partial, s.read_uint().unwrap()));
            let whole_rows = single.len() - single.len() % width;
            assert_eq!(rows[..], single[..whole_rows], "case {case}");
            match (one, many) {
                (Ok(after), Ok((partial, after_rows))) => {
                    assert_eq!((after, after_rows), (7, 7), "case {case}");
                    assert_eq!(partial, single.len() % width, "case {case}");
                }
                (Err(a), Err(b)) => assert_eq!(
                    (a.kind, a.offset, &a.message),
                    (b.kind, b.offset, &b.message),
                    "case {case}"
                ),
                (a, b) => panic!("case {case}: {:?} against {:?}", a.err(), b.err()),
            }
        }
    }
}
