//! `BoundedMap`: the fixed-size table behind the login limiter and the request rate limiter.
//! Memory is bounded by its capacity, not by how many distinct keys clients send: when a new key
//! finds the table full, entries that no longer matter (expired) go first, then the oldest.

use std::collections::HashMap;
use std::hash::Hash;

/// What a table entry must tell about itself for the table to make room.
pub(crate) trait Slot {
    /// Forgetting this entry at `now` (milliseconds) changes nothing: its key would be treated
    /// exactly as a key never seen.
    fn expired(&self, now: i64) -> bool;
    /// Entries with the smallest value are dropped first when nothing has expired.
    fn age(&self) -> i64;
}

/// A map of at most `capacity` entries.
#[derive(Debug)]
pub(crate) struct BoundedMap<K, V> {
    map: HashMap<K, V>,
    capacity: usize,
    /// How many of the oldest entries go at once when the table is full of live ones: 1 keeps
    /// the most history; more makes a flood of new keys scan the table once per `evict` keys
    /// rather than once per key.
    evict: usize,
}

impl<K: Hash + Eq + Clone, V: Slot> BoundedMap<K, V> {
    pub(crate) fn new(capacity: usize, evict: usize) -> Self {
        let capacity = capacity.max(1);
        Self { map: HashMap::new(), capacity, evict: evict.clamp(1, capacity) }
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get_mut(key)
    }

    pub(crate) fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.contains_key(key)
    }

    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.remove(key)
    }

    /// The entry of `key`, made with `make` (after making room) if there is none.
    pub(crate) fn get_or_insert_with(&mut self, key: K, now: i64, make: impl FnOnce() -> V) -> &mut V {
        if !self.map.contains_key(&key) {
            self.make_room(now);
        }
        self.map.entry(key).or_insert_with(make)
    }

    /// Frees room for one entry when the table is full: expired entries first, else the
    /// `evict` oldest. Linear in the table size, and only reached when the table is full.
    fn make_room(&mut self, now: i64) {
        if self.map.len() < self.capacity {
            return;
        }
        self.map.retain(|_, v| !v.expired(now));
        if self.map.len() < self.capacity {
            return;
        }
        if self.evict == 1 {
            if let Some(oldest) = self.map.iter().min_by_key(|(_, v)| v.age()).map(|(k, _)| k.clone()) {
                self.map.remove(&oldest);
            }
            return;
        }
        let mut ages: Vec<i64> = self.map.values().map(Slot::age).collect();
        let (_, cutoff, _) = ages.select_nth_unstable(self.evict - 1);
        let cutoff = *cutoff;
        // Ties at the cutoff may take a few more; never fewer than `evict`.
        self.map.retain(|_, v| v.age() > cutoff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Until(i64);

    impl Slot for Until {
        fn expired(&self, now: i64) -> bool {
            self.0 <= now
        }
        fn age(&self) -> i64 {
            self.0
        }
    }

    #[test]
    fn expired_entries_go_first_then_the_oldest() {
        let mut m = BoundedMap::new(3, 1);
        m.get_or_insert_with(1, 0, || Until(10));
        m.get_or_insert_with(2, 0, || Until(5));
        m.get_or_insert_with(3, 0, || Until(20));
        m.get_or_insert_with(4, 6, || Until(30));
        assert!(!m.contains_key(&2) && m.len() == 3, "the expired one went");
        m.get_or_insert_with(5, 6, || Until(40));
        assert!(!m.contains_key(&1) && m.len() == 3, "then the oldest");
    }

    #[test]
    fn a_batch_goes_at_once_when_asked() {
        let mut m = BoundedMap::new(8, 4);
        for k in 0..8 {
            m.get_or_insert_with(k, 0, || Until(100 + k));
        }
        m.get_or_insert_with(8, 0, || Until(200));
        assert_eq!(m.len(), 5);
        assert!((4..=8).all(|k| m.contains_key(&k)));
        for k in 9..12 {
            m.get_or_insert_with(k, 0, || Until(300));
            assert!(m.len() <= 8);
        }
    }
}
