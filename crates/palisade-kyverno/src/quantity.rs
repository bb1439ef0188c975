//! The part of Kubernetes' `resource.Quantity` Kyverno's arithmetic uses:
//! parsing (`100Mi`, `1.5`, `250m`, `1e3`), exact decimal arithmetic, and
//! the canonical string (`12Ki`, `1500m`).
//!
//! A quantity is `mantissa × 10^exponent`, kept as it was written (`1.000`
//! is `1000 × 10^-3`), because Kyverno's division rounds at the larger
//! scale of its operands. Values past 38 digits fail to parse, where
//! Kubernetes switches to big decimals.

/// How a quantity prints, from the suffix it was written with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Format {
    /// `Ki`, `Mi`, ... `Ei`.
    BinarySI,
    /// `n`, `u`, `m`, ``, `k`, `M`, ... `E`.
    DecimalSI,
    /// `e3`, `E-6`.
    DecimalExponent,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Quantity {
    pub(crate) mantissa: i128,
    pub(crate) exponent: i32,
    pub(crate) format: Format,
}

const DECIMAL_SUFFIXES: [(&str, i32); 10] = [
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("", 0),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];
const BINARY_SUFFIXES: [(&str, u32); 6] = [
    ("Ki", 10),
    ("Mi", 20),
    ("Gi", 30),
    ("Ti", 40),
    ("Pi", 50),
    ("Ei", 60),
];

/// 10^n, if it fits.
fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// `m × 10^shift` for `shift >= 0`, if it fits.
fn scale_up(m: i128, shift: i32) -> Option<i128> {
    m.checked_mul(pow10(u32::try_from(shift).ok()?)?)
}

/// Quantities compare by value (`Quantity.Cmp`): `1000m` equals `1`.
impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match self.sub(other) {
            Some(difference) => difference.mantissa.cmp(&0),
            // Past i128 when aligned: the magnitudes differ so much that
            // floating point orders them right.
            None => self.as_f64().total_cmp(&other.as_f64()),
        }
    }
}

impl Quantity {
    /// `resource.ParseQuantity`.
    pub(crate) fn parse(text: &str) -> Option<Quantity> {
        if text.is_empty() {
            return None;
        }
        let bytes = text.as_bytes();
        let mut pos = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                pos = 1;
                true
            }
            Some(b'+') => {
                pos = 1;
                false
            }
            _ => false,
        };
        let digits = |from: usize| {
            bytes.get(from..).map_or(0, |rest| {
                rest.iter().take_while(|b| b.is_ascii_digit()).count()
            })
        };
        let whole_len = digits(pos);
        let whole = text.get(pos..pos + whole_len)?;
        pos += whole_len;
        let mut fraction = "";
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            let len = digits(pos);
            fraction = text.get(pos..pos + len)?;
            pos += len;
        }
        // The suffix: letters of "eEinumkKMGTP", then a signed exponent.
        let suffix = text.get(pos..)?;
        let letters = suffix
            .bytes()
            .take_while(|b| b"eEinumkKMGTP".contains(b))
            .count();
        let mut rest = suffix.get(letters..)?;
        if rest.starts_with(['+', '-']) {
            rest = rest.get(1..)?;
        }
        if !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (base2, exponent, format) = interpret(suffix)?;

        let mut mantissa: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            mantissa = mantissa
                .checked_mul(10)?
                .checked_add(i128::from(b - b'0'))?;
        }
        let mut exp = -i32::try_from(fraction.len()).ok()?;
        if base2 {
            mantissa = mantissa.checked_mul(1i128.checked_shl(u32::try_from(exponent).ok()?)?)?;
        } else {
            exp = exp.checked_add(exponent)?;
        }
        if negative {
            mantissa = -mantissa;
        }
        let mut q = Quantity {
            mantissa,
            exponent: exp,
            format,
        };
        q.round_up_to_nano();
        if q.format == Format::BinarySI && q.mantissa > 0 && q.lt_abs(1) {
            q.format = Format::DecimalSI;
        }
        Some(q)
    }

    /// Non-zero values finer than 1n round away from zero to 1n, as
    /// Kubernetes rounds them ("if you want some resources, you get some").
    fn round_up_to_nano(&mut self) {
        if self.exponent >= -9 {
            return;
        }
        let shift = u32::try_from(-9 - self.exponent).unwrap_or(u32::MAX);
        let magnitude = self.mantissa.unsigned_abs();
        let rounded = match pow10(shift).map(i128::unsigned_abs) {
            Some(divisor) => magnitude.div_ceil(divisor),
            None => u128::from(magnitude != 0),
        };
        let rounded = i128::try_from(rounded).unwrap_or(i128::MAX);
        self.mantissa = if self.mantissa < 0 { -rounded } else { rounded };
        self.exponent = -9;
    }

    /// Whether |self| < `bound`.
    fn lt_abs(&self, bound: i128) -> bool {
        let magnitude = self.mantissa.unsigned_abs();
        let bound = bound.unsigned_abs();
        if self.exponent >= 0 {
            match pow10(self.exponent.unsigned_abs())
                .and_then(|p| magnitude.checked_mul(p.unsigned_abs()))
            {
                Some(v) => v < bound,
                None => false,
            }
        } else {
            match pow10(self.exponent.unsigned_abs())
                .and_then(|p| bound.checked_mul(p.unsigned_abs()))
            {
                Some(limit) => magnitude < limit,
                None => true,
            }
        }
    }

    /// The value as an integer, if it is one and fits.
    fn as_integer(&self) -> Option<i128> {
        if self.exponent >= 0 {
            return scale_up(self.mantissa, self.exponent);
        }
        let divisor = pow10(self.exponent.unsigned_abs())?;
        (self.mantissa % divisor == 0).then(|| self.mantissa / divisor)
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// `AsApproximateFloat64`.
    pub(crate) fn as_f64(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let base = self.mantissa as f64;
        if self.exponent == 0 {
            base
        } else {
            base * go_pow10(self.exponent)
        }
    }

    /// The two mantissas at the finer of the two exponents.
    fn aligned(&self, other: &Quantity) -> Option<(i128, i128, i32)> {
        let exp = self.exponent.min(other.exponent);
        let a = scale_up(self.mantissa, self.exponent - exp)?;
        let b = scale_up(other.mantissa, other.exponent - exp)?;
        Some((a, b, exp))
    }

    /// `Quantity.Add`: a zero left side takes the right side's format.
    pub(crate) fn add(&self, other: &Quantity) -> Option<Quantity> {
        let (a, b, exponent) = self.aligned(other)?;
        Some(Quantity {
            mantissa: a.checked_add(b)?,
            exponent,
            format: if self.is_zero() {
                other.format
            } else {
                self.format
            },
        })
    }

    /// `Quantity.Sub`, with `Add`'s rule for formats.
    pub(crate) fn sub(&self, other: &Quantity) -> Option<Quantity> {
        let (a, b, exponent) = self.aligned(other)?;
        Some(Quantity {
            mantissa: a.checked_sub(b)?,
            exponent,
            format: if self.is_zero() {
                other.format
            } else {
                self.format
            },
        })
    }

    /// The exact product, in this quantity's format.
    pub(crate) fn mul(&self, other: &Quantity) -> Option<Quantity> {
        Some(Quantity {
            mantissa: self.mantissa.checked_mul(other.mantissa)?,
            exponent: self.exponent.checked_add(other.exponent)?,
            format: self.format,
        })
    }

    /// `inf.Dec.QuoRound(self, other, scale, RoundDown)` at the finer
    /// scale of the two: the quotient truncated toward zero there.
    pub(crate) fn div_truncated(&self, other: &Quantity) -> Option<Quantity> {
        if other.is_zero() {
            return None;
        }
        let exponent = self.exponent.min(other.exponent);
        // self / other / 10^exponent = (ma / mb) × 10^k
        let k = self.exponent - other.exponent - exponent;
        let mantissa = if k >= 0 {
            scale_up(self.mantissa, k)?.checked_div(other.mantissa)?
        } else {
            self.mantissa.checked_div(scale_up(other.mantissa, -k)?)?
        };
        Some(Quantity {
            mantissa,
            exponent,
            format: self.format,
        })
    }

    /// `Quantity.String()`: the canonical form.
    pub(crate) fn canonical(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        if self.format == Format::BinarySI
            && !self.lt_abs(1024)
            && let Some(mut value) = self.as_integer()
        {
            let mut power = 0usize;
            while power < BINARY_SUFFIXES.len() && value % 1024 == 0 {
                value /= 1024;
                power += 1;
            }
            let suffix = match power.checked_sub(1) {
                Some(i) => BINARY_SUFFIXES.get(i).map_or("", |s| s.0),
                None => "",
            };
            return format!("{value}{suffix}");
        }
        // Decimal: trailing zeros into the exponent, then down to a
        // multiple of three.
        let (mut mantissa, mut exponent) = (self.mantissa, self.exponent);
        while mantissa % 10 == 0 {
            mantissa /= 10;
            exponent += 1;
        }
        while exponent.rem_euclid(3) != 0 {
            match mantissa.checked_mul(10) {
                Some(m) => {
                    mantissa = m;
                    exponent -= 1;
                }
                None => break,
            }
        }
        let suffix = match self.format {
            Format::DecimalExponent if exponent == 0 => String::new(),
            Format::DecimalExponent => format!("e{exponent}"),
            _ => match DECIMAL_SUFFIXES.iter().find(|(_, e)| *e == exponent) {
                Some((s, _)) => (*s).to_string(),
                None => format!("e{exponent}"),
            },
        };
        format!("{mantissa}{suffix}")
    }

    /// `resource.NewQuantity(value, format)`.
    pub(crate) fn from_int(value: i64, format: Format) -> Quantity {
        Quantity {
            mantissa: i128::from(value),
            exponent: 0,
            format,
        }
    }
}

/// A suffix's base (true for 2), exponent and format.
fn interpret(suffix: &str) -> Option<(bool, i32, Format)> {
    if let Some((_, e)) = DECIMAL_SUFFIXES.iter().find(|(s, _)| *s == suffix) {
        return Some((false, *e, Format::DecimalSI));
    }
    if let Some((_, e)) = BINARY_SUFFIXES.iter().find(|(s, _)| *s == suffix) {
        return Some((true, i32::try_from(*e).ok()?, Format::BinarySI));
    }
    let exponent = suffix.strip_prefix(['e', 'E'])?;
    if exponent.is_empty() {
        return None;
    }
    let exponent: i64 = exponent.parse().ok()?;
    Some((
        false,
        i32::try_from(exponent).ok()?,
        Format::DecimalExponent,
    ))
}

/// Go's `math.Pow10`, which Kubernetes multiplies by: table values, so the
/// rounding matches Go's bit for bit.
fn go_pow10(n: i32) -> f64 {
    const TAB: [f64; 32] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
    ];
    const POS32: [f64; 10] = [
        1e0, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288,
    ];
    const NEG32: [f64; 11] = [
        1e0, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288, 1e-320,
    ];
    let m = n.unsigned_abs() as usize;
    let small = TAB.get(m % 32).copied().unwrap_or(1.0);
    if (0..=308).contains(&n) {
        POS32.get(m / 32).copied().unwrap_or(f64::INFINITY) * small
    } else if (-323..0).contains(&n) {
        NEG32.get(m / 32).copied().unwrap_or(0.0) / small
    } else if n > 0 {
        f64::INFINITY
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    fn canonical(text: &str) -> String {
        Quantity::parse(text).unwrap().canonical()
    }

    #[test]
    fn parses_and_prints_as_kubernetes() {
        for (text, want) in [
            ("12Ki", "12Ki"),
            ("1024", "1024"),
            ("1.5Ki", "1536"),
            ("1536Mi", "1536Mi"),
            ("2048Mi", "2Gi"),
            ("100m", "100m"),
            ("0.1", "100m"),
            ("1.5", "1500m"),
            ("1000", "1k"),
            ("1e3", "1e3"),
            ("1E3", "1e3"),
            ("1000000", "1M"),
            ("256M", "256M"),
            ("0", "0"),
            ("-1Ki", "-1Ki"),
            ("0.0000000001", "1n"),
            ("+5", "5"),
            ("12301", "12301"),
            ("1.000", "1"),
            ("1e+06", "1e6"),
        ] {
            assert_eq!(canonical(text), want, "{text}");
        }
        for text in ["", "12s", "1h", "1Kb", "abc", "1e", "1.2.3", "1 Ki"] {
            assert!(Quantity::parse(text).is_none(), "{text}");
        }
    }

    #[test]
    fn keeps_the_scale_it_was_written_with() {
        let q = Quantity::parse("1.000").unwrap();
        assert_eq!((q.mantissa, q.exponent), (1000, -3));
        let q = Quantity::parse("12k").unwrap();
        assert_eq!((q.mantissa, q.exponent), (12, 3));
    }

    #[test]
    fn arithmetic() {
        let q = |s| Quantity::parse(s).unwrap();
        assert_eq!(q("12Ki").add(&q("13Ki")).unwrap().canonical(), "25Ki");
        assert_eq!(q("12Ki").add(&q("13")).unwrap().canonical(), "12301");
        assert_eq!(q("0").add(&q("1Ki")).unwrap().canonical(), "1Ki");
        assert_eq!(q("12Ki").sub(&q("13Ki")).unwrap().canonical(), "-1Ki");
        assert_eq!(q("12Ki").div_truncated(&q("3")).unwrap().canonical(), "4Ki");
        assert_eq!(q("10").div_truncated(&q("3")).unwrap().canonical(), "3");
        assert_eq!(q("1k").div_truncated(&q("3")).unwrap().canonical(), "333");
        assert_eq!(q("12").mul(&q("2.5")).unwrap().canonical(), "30");
        assert_eq!(q("12Ki").as_f64(), 12288.0);
        assert_eq!(q("1.5").as_f64(), 1.5);
    }
}
