//! Powers of ten as integer tables: every power each type holds, for exact fixed-point work on
//! decimal mantissas (indicators, confidence, parsing, ratios) without `rust_decimal`'s rescaling.
//! A lookup past a table's end (`get` → `None`) means the power does not fit the type.

macro_rules! powers_of_ten {
    ($(#[$doc:meta])* $name:ident: $t:ty, $n:expr) => {
        $(#[$doc])*
        pub const $name: [$t; $n] = {
            let mut t: [$t; $n] = [1; $n];
            let mut i = 1;
            while i < $n {
                t[i] = t[i - 1] * 10;
                i += 1;
            }
            t
        };
    };
}

powers_of_ten!(
    /// 10^0 ..= 10^18.
    POW10_I64: i64, 19
);
powers_of_ten!(
    /// 10^0 ..= 10^19.
    POW10_U64: u64, 20
);
powers_of_ten!(
    /// 10^0 ..= 10^38.
    POW10_I128: i128, 39
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_table_ends_at_the_last_power_its_type_holds() {
        assert_eq!(POW10_I64[18], 1_000_000_000_000_000_000);
        assert!(POW10_I64[18].checked_mul(10).is_none());
        assert_eq!(POW10_U64[19], 10_000_000_000_000_000_000);
        assert!(POW10_U64[19].checked_mul(10).is_none());
        assert_eq!(POW10_I128[38], 10i128.pow(38));
        assert!(POW10_I128[38].checked_mul(10).is_none());
    }
}
