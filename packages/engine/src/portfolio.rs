//! `Portfolio`: cash, positions and marks, exact in decimals. A handful of symbols is the normal
//! case, so positions live in a small vector searched linearly, which beats hashing here.

use mirai_core::{Amount, Fill, Position, PositionError, Price, Symbol};

#[derive(Clone, Debug)]
pub struct Portfolio {
    cash: Amount,
    entries: Vec<(Position, Option<Price>)>,
}

impl Portfolio {
    pub fn new(cash: Amount) -> Self {
        Self { cash, entries: Vec::new() }
    }

    /// The position of `symbol`'s entry, added flat if it is new. Entries are never removed, so
    /// a position stays valid for the portfolio's life.
    #[inline]
    pub(crate) fn index(&mut self, symbol: Symbol) -> usize {
        match self.entries.iter().position(|(p, _)| p.symbol == symbol) {
            Some(i) => i,
            None => {
                self.entries.push((Position::flat(symbol), None));
                self.entries.len() - 1
            }
        }
    }

    fn entry(&mut self, symbol: Symbol) -> &mut (Position, Option<Price>) {
        let i = self.index(symbol);
        &mut self.entries[i]
    }

    #[inline]
    pub fn mark(&mut self, symbol: Symbol, price: Price) {
        self.mark_entry(symbol, price);
    }

    /// Marks `symbol` at `price` (the last price its holdings are valued at).
    #[inline]
    pub(crate) fn mark_entry(&mut self, symbol: Symbol, price: Price) {
        let i = self.index(symbol);
        self.entries[i].1 = Some(price);
    }

    /// Marks the entry at `i` (from [`Portfolio::index`]).
    #[inline]
    pub(crate) fn mark_at(&mut self, i: usize, price: Price) {
        self.entries[i].1 = Some(price);
    }

    pub fn mark_of(&self, symbol: Symbol) -> Option<Price> {
        self.entries.iter().find(|(p, _)| p.symbol == symbol).and_then(|(_, m)| *m)
    }

    /// Applies a fill: the position changes and cash moves by exactly the fill's cash delta.
    /// Returns the P&L the fill realised (net of its fee).
    pub fn apply_fill(&mut self, fill: &Fill) -> Result<Amount, PositionError> {
        let i = self.index(fill.symbol);
        self.apply_fill_at(i, fill)
    }

    /// As [`Portfolio::apply_fill`], to the entry at `i` (from [`Portfolio::index`]).
    #[inline]
    pub(crate) fn apply_fill_at(&mut self, i: usize, fill: &Fill) -> Result<Amount, PositionError> {
        let realised = self.entries[i].0.apply(fill)?;
        self.cash += fill.cash_delta();
        Ok(realised)
    }

    /// The position of the entry at `i` (from [`Portfolio::index`]).
    #[inline]
    pub(crate) fn position_at(&self, i: usize) -> &Position {
        &self.entries[i].0
    }

    /// Puts back a stored position (on restart); cash is set separately.
    pub fn restore_position(&mut self, position: Position) {
        let symbol = position.symbol;
        self.entry(symbol).0 = position;
    }

    pub fn set_cash(&mut self, cash: Amount) {
        self.cash = cash;
    }

    pub fn cash(&self) -> Amount {
        self.cash
    }

    #[inline]
    pub fn position(&self, symbol: Symbol) -> Option<&Position> {
        self.entries.iter().map(|(p, _)| p).find(|p| p.symbol == symbol)
    }

    pub fn positions(&self) -> impl Iterator<Item = (&Position, Option<Price>)> {
        self.entries.iter().map(|(p, m)| (p, *m))
    }

    /// Market value of a holding at its mark (at cost when no mark is known yet).
    fn value(p: &Position, mark: Option<Price>) -> Amount {
        mark.map_or(p.cost, |m| p.market_value(m))
    }

    pub fn symbol_value(&self, symbol: Symbol) -> Amount {
        self.entries
            .iter()
            .find(|(p, _)| p.symbol == symbol)
            .map_or(Amount::ZERO, |(p, m)| Self::value(p, *m))
    }

    /// [`Portfolio::holdings_value`] and [`Portfolio::symbol_value`] of `symbol` in one pass
    /// (a decision needs both; each holding is valued once).
    #[inline]
    pub fn holdings_and_symbol_value(&self, symbol: Symbol) -> (Amount, Amount) {
        let mut total = Amount::ZERO;
        let mut of_symbol = Amount::ZERO;
        let mut found = false;
        for (p, m) in &self.entries {
            let v = Self::value(p, *m);
            if !found && p.symbol == symbol {
                of_symbol = v;
                found = true;
            }
            total += v;
        }
        (total, of_symbol)
    }

    pub fn holdings_value(&self) -> Amount {
        self.entries.iter().map(|(p, m)| Self::value(p, *m)).sum()
    }

    pub fn equity(&self) -> Amount {
        self.cash + self.holdings_value()
    }

    pub fn realised_pnl(&self) -> Amount {
        self.entries.iter().map(|(p, _)| p.realised_pnl).sum()
    }

    pub fn unrealised_pnl(&self) -> Amount {
        self.entries.iter().map(|(p, m)| Self::value(p, *m) - p.cost).sum()
    }
}
