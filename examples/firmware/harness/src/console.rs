//! Text output without `core::fmt`: fixed-width hex and decimal, which cannot panic and keep
//! every f32 exact (the host compares bit patterns).

/// Where the firmware's report goes: semihosting, a UART, ...
pub trait Console {
    /// Writes all of `bytes`.
    fn write(&mut self, bytes: &[u8]);

    /// Writes a string.
    fn str(&mut self, s: &str) {
        self.write(s.as_bytes());
    }

    /// Writes ` ` then `v` in decimal.
    fn dec(&mut self, v: usize) {
        let mut digits = [b'0'; 20];
        let mut n = v;
        let mut start = digits.len();
        for d in digits.iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
            start -= 1;
            if n == 0 {
                break;
            }
        }
        self.write(b" ");
        if let Some(tail) = digits.get(start..) {
            self.write(tail);
        }
    }

    /// Writes ` ` then the bit pattern of `v` as eight hex digits.
    fn hex(&mut self, v: f32) {
        self.word(v.to_bits());
    }

    /// A result line the host compares bit for bit: `out <model> <function> <k>` and one hex
    /// word per value (f32 bit patterns, or int8 values widened by the caller).
    fn result(
        &mut self,
        model: &str,
        function: &str,
        k: usize,
        words: impl IntoIterator<Item = u32>,
    ) where
        Self: Sized,
    {
        self.str("out ");
        self.str(model);
        self.str(" ");
        self.str(function);
        self.dec(k);
        for w in words {
            self.word(w);
        }
        self.str("\n");
    }

    /// Writes ` ` then `bits` as eight hex digits.
    fn word(&mut self, bits: u32) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [b' '; 9];
        for (k, c) in text.iter_mut().skip(1).enumerate() {
            *c = HEX[((bits >> (28 - 4 * k)) & 0xf) as usize];
        }
        self.write(&text);
    }
}
