//! Account balances: free and locked per asset. Every debit is checked before anything changes,
//! so a refused order leaves the account exactly as it was.

use mirai_core::perf::decimal_cmp;
use mirai_core::{Asset, Decimal};
use thiserror::Error;

/// One asset's balance, as Binance's account endpoint reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Balance {
    pub asset: Asset,
    /// Available for new orders.
    pub free: Decimal,
    /// Held by open orders.
    pub locked: Decimal,
}

/// A balance set from outside (a ledger rebuild) was negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("balance of {asset} must not be negative (got {amount})")]
pub struct NegativeBalance {
    pub asset: Asset,
    pub amount: Decimal,
}

/// Not enough free balance; the caller turns it into Binance's -2010.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Insufficient;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Holding {
    free: Decimal,
    locked: Decimal,
}

/// A handful of assets (a quote and the coins traded) is the normal case, so holdings live in a
/// small vector searched by equality, which costs less than a map's ordered search (a backtest's
/// every fill debits one asset and credits another).
#[derive(Clone, Debug, Default)]
pub(crate) struct Wallet {
    holdings: Vec<(Asset, Holding)>,
}

impl Wallet {
    #[inline]
    fn get(&self, asset: Asset) -> Option<&Holding> {
        self.holdings.iter().find(|(a, _)| *a == asset).map(|(_, h)| h)
    }

    #[inline]
    fn get_mut(&mut self, asset: Asset) -> Option<&mut Holding> {
        self.holdings.iter_mut().find(|(a, _)| *a == asset).map(|(_, h)| h)
    }

    /// The asset's holding, added empty if it is new.
    fn entry(&mut self, asset: Asset) -> &mut Holding {
        let i = match self.holdings.iter().position(|(a, _)| *a == asset) {
            Some(i) => i,
            None => {
                self.holdings.push((asset, Holding::default()));
                self.holdings.len() - 1
            }
        };
        &mut self.holdings[i].1
    }

    pub(crate) fn free(&self, asset: Asset) -> Decimal {
        self.get(asset).map_or(Decimal::ZERO, |h| h.free)
    }

    pub(crate) fn set_free(&mut self, asset: Asset, free: Decimal) -> Result<(), NegativeBalance> {
        if free.is_sign_negative() && !free.is_zero() {
            return Err(NegativeBalance { asset, amount: free });
        }
        self.entry(asset).free = free;
        Ok(())
    }

    pub(crate) fn ensure_free(&self, asset: Asset, amount: Decimal) -> Result<(), Insufficient> {
        if self.free(asset) >= amount { Ok(()) } else { Err(Insufficient) }
    }

    /// Moves `amount` from free to locked.
    pub(crate) fn lock(&mut self, asset: Asset, amount: Decimal) -> Result<(), Insufficient> {
        self.ensure_free(asset, amount)?;
        let h = self.entry(asset);
        h.free -= amount;
        h.locked += amount;
        Ok(())
    }

    /// Moves `amount` from locked back to free (a cancel).
    pub(crate) fn unlock(&mut self, asset: Asset, amount: Decimal) {
        let h = self.entry(asset);
        h.locked -= amount;
        h.free += amount;
    }

    /// Removes `amount` that an order had locked (it filled).
    pub(crate) fn spend_locked(&mut self, asset: Asset, amount: Decimal) {
        self.entry(asset).locked -= amount;
    }

    pub(crate) fn debit(&mut self, asset: Asset, amount: Decimal) -> Result<(), Insufficient> {
        // One search when the asset is held (every fill's case), instead of a check and an entry;
        // the comparison inline (`decimal_cmp`: `>=` exactly).
        match self.get_mut(asset) {
            Some(h) if decimal_cmp(h.free, amount).is_ge() => h.free -= amount,
            Some(_) => return Err(Insufficient),
            None => {
                self.ensure_free(asset, amount)?;
                self.entry(asset).free -= amount;
            }
        }
        Ok(())
    }

    pub(crate) fn credit(&mut self, asset: Asset, amount: Decimal) {
        match self.get_mut(asset) {
            Some(h) => h.free += amount,
            None => self.entry(asset).free += amount,
        }
    }

    /// Sorted alphabetically by asset code. (`Asset`'s own order puts shorter codes first.)
    pub(crate) fn balances(&self) -> Vec<Balance> {
        let mut all: Vec<Balance> = self
            .holdings
            .iter()
            .map(|(asset, h)| Balance { asset: *asset, free: h.free, locked: h.locked })
            .collect();
        all.sort_by(|a, b| a.asset.as_str().cmp(b.asset.as_str()));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_debit_or_lock_changes_nothing() {
        let usdt = Asset::new("USDT");
        let mut w = Wallet::default();
        assert!(w.set_free(usdt, Decimal::TEN).is_ok());
        assert_eq!(w.debit(usdt, Decimal::from(11)), Err(Insufficient));
        assert_eq!(w.lock(usdt, Decimal::from(11)), Err(Insufficient));
        assert_eq!(w.free(usdt), Decimal::TEN);
        assert!(w.set_free(usdt, Decimal::NEGATIVE_ONE).is_err());
        assert_eq!(w.free(usdt), Decimal::TEN);
    }

    #[test]
    fn balances_are_listed_alphabetically() {
        let mut w = Wallet::default();
        for code in ["USDT", "BTC", "AAVE"] {
            assert!(w.set_free(Asset::new(code), Decimal::ONE).is_ok());
        }
        let codes: Vec<_> = w.balances().iter().map(|b| b.asset.as_str().to_owned()).collect();
        assert_eq!(codes, ["AAVE", "BTC", "USDT"]);
    }
}
